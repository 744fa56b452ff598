/**
 * The one HTML page: what the app does, buttons that call the API, and the
 * recent requests with their cache status and latency.
 */

/** One served request, as listed on the page and by `/api/stats`. */
export interface RequestRow {
  at: string;
  path: string;
  cache: 'hit' | 'miss' | 'shared';
  ms: number;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The home page. */
export function homePage(options: {
  namespace: string;
  slowMs: number;
  backend: string;
  rows: RequestRow[];
  /** How often this instance ran the slow loader. */
  loads: number;
}): string {
  const rows = options.rows
    .map(
      (r) =>
        `<tr class="${r.cache}"><td>${escapeHtml(r.at.slice(11, 23))}</td><td>${escapeHtml(r.path.length > 60 ? `${r.path.slice(0, 57)}...` : r.path)}</td><td>${r.cache}</td><td>${r.ms.toFixed(1)} ms</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>keyv-cache · memkit</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#222}
code{background:#f3f3f3;padding:0 .25rem}button{font:inherit;margin-right:.5rem;padding:.3rem .8rem}
table{border-collapse:collapse;width:100%;margin-top:1rem}td,th{text-align:left;padding:.2rem .6rem;border-bottom:1px solid #eee}
tr.hit td:nth-child(3){color:#18794e;font-weight:600}tr.miss td:nth-child(3){color:#b42318;font-weight:600}
tr.shared td:nth-child(3){color:#9a6700;font-weight:600}
</style></head>
<body>
<h1>keyv-cache</h1>
<p>A slow endpoint (<code>${options.slowMs} ms</code> per build) cached through
<a href="https://keyv.org">Keyv</a> and <code>@memkit/keyv</code> in namespace <code>${escapeHtml(options.namespace)}</code>
on ${escapeHtml(options.backend)}, keyed by URL (query string included, any length). Concurrent
misses on one URL run the loader once, in this instance and across every instance on the same
memcached (<b>miss</b> for the request that loaded, <b>shared</b> for those that joined it here,
<b>hit</b> for the cache, also after waiting for another instance's load).</p>
<p id="loads">The slow loader ran <b>${options.loads}</b> time${options.loads === 1 ? '' : 's'} in this instance.</p>
<p>
<button id="one">GET /api/report/hot</button>
<button id="burst">20 concurrent requests</button>
<button id="long">GET a 1 KB URL</button>
<button id="clear">Clear the namespace</button>
</p>
<table><thead><tr><th>time</th><th>path</th><th>cache</th><th>latency</th></tr></thead>
<tbody id="rows">
${rows}
</tbody></table>
<script>
const get = (path) => fetch(path).then((r) => r.json());
const reload = () => location.reload();
document.getElementById('one').onclick = () => get('/api/report/hot').then(reload);
document.getElementById('burst').onclick = () =>
  Promise.all(Array.from({ length: 20 }, () => get('/api/report/hot'))).then(reload);
document.getElementById('long').onclick = () =>
  get('/api/report/hot?q=' + 'long-query-'.repeat(90)).then(reload);
document.getElementById('clear').onclick = () => fetch('/api/clear', { method: 'POST' }).then(reload);
</script>
</body></html>
`;
}
