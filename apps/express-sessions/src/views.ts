/**
 * The sample app's HTML: a login form, the signed-in page with the visit
 * counter, and the active-sessions table. Plain template strings with every
 * user-supplied text escaped; no template engine for four small pages.
 */

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML element content and quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

function layout(title: string, instance: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · memkit sessions</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; color: #1d2330; }
  header { display: flex; justify-content: space-between; align-items: baseline; border-bottom: 1px solid #d8dde6; margin-bottom: 1.5rem; }
  header small { color: #5b6475; }
  .counter { font-size: 3rem; font-weight: 700; margin: 0.2rem 0; }
  form.inline { display: inline; }
  .actions { display: flex; gap: 1.2rem; align-items: center; }
  input[type=text] { font: inherit; padding: 0.35rem 0.5rem; border: 1px solid #b8c0ce; border-radius: 4px; }
  button { font: inherit; padding: 0.35rem 0.9rem; border: 0; border-radius: 4px; background: #2355d8; color: white; cursor: pointer; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 0.3rem 0.6rem; border-bottom: 1px solid #e3e7ee; }
  .error { color: #b3261e; }
  code { background: #f1f3f7; padding: 0 0.25rem; border-radius: 3px; }
</style>
</head>
<body>
<header><h1>memkit sessions</h1><small>served by <strong id="instance">${escapeHtml(instance)}</strong></small></header>
${body}
</body>
</html>
`;
}

/** The login form, with an optional error message. */
export function loginPage(instance: string, error?: string): string {
  const message = error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : '';
  return layout(
    'Log in',
    instance,
    `<p>Pick any name: the session lives in memcached, so every instance of this app sees it.</p>
${message}
<form method="post" action="/login">
  <label>Name <input type="text" name="name" id="name" maxlength="64" required autofocus></label>
  <button type="submit" id="login">Log in</button>
</form>
<p><a href="/sessions">Active sessions</a></p>`,
  );
}

/** The signed-in page: the name and this session's visit counter. */
export function homePage(instance: string, name: string, visits: number): string {
  return layout(
    'Welcome',
    instance,
    `<p>Signed in as <strong id="user">${escapeHtml(name)}</strong>.</p>
<p>Visits in this session:</p>
<p class="counter" id="visits">${visits}</p>
<p>Reload the page, or open the same URL on another instance that shares the memcached.</p>
<div class="actions"><a href="/sessions">Active sessions</a>
  <form class="inline" method="post" action="/logout"><button type="submit" id="logout">Log out</button></form></div>`,
  );
}

/** One row of the active-sessions table. */
export interface SessionRow {
  /** A short, non-secret prefix of the session ID. */
  id: string;
  name: string;
  visits: number;
  expires: string;
  current: boolean;
}

/** The active-sessions page, from `store.all()`. */
export function sessionsPage(instance: string, rows: readonly SessionRow[]): string {
  const body = rows.length
    ? rows
        .map(
          (r) =>
            `<tr${r.current ? ' class="current"' : ''}><td><code>${escapeHtml(r.id)}…</code>${r.current ? ' (you)' : ''}</td>` +
            `<td>${escapeHtml(r.name)}</td><td>${r.visits}</td><td>${escapeHtml(r.expires)}</td></tr>`,
        )
        .join('\n')
    : '<tr><td colspan="4">No active sessions.</td></tr>';
  return layout(
    'Active sessions',
    instance,
    `<h2>Active sessions (<span id="count">${rows.length}</span>)</h2>
<p>Listed with <code>store.all()</code>, which walks memcached's keys with <code>lru_crawler metadump</code>:
an admin operation, fine for a demo, costly on a big cache.</p>
<table id="sessions">
<thead><tr><th>session</th><th>name</th><th>visits</th><th>expires</th></tr></thead>
<tbody>
${body}
</tbody>
</table>
<p><a href="/">Back</a></p>`,
  );
}

/** The page shown when the session store fails (memcached down). */
export function errorPage(instance: string, message: string): string {
  return layout(
    'Session store unavailable',
    instance,
    `<p class="error" role="alert">The session store failed: ${escapeHtml(message)}</p><p><a href="/">Try again</a></p>`,
  );
}
