// Markdown tables of a summary (lib/report.mjs): throughput, the timed rows
// (large values, the 10k-key getMulti, the cold burst), latency, CPU, notes.
// Reference clients (the getMulti floor) get their own column after the
// clients, like the C reference.

import { SOCKETS_PER_SERVER_TARGET } from './cold-burst.mjs';
import { CREF_NOT_RUN } from './cref.mjs';
import { WORKLOADS } from './workloads.mjs';

const fmtInt = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
const fmtUs = (n) =>
  Number.isFinite(n) ? (n >= 100 ? String(Math.round(n)) : n.toFixed(1).replace(/\.0$/, '')) : '–';
const fmtMs = (us) =>
  Number.isFinite(us) ? (us >= 10_000 ? (us / 1000).toFixed(0) : (us / 1000).toFixed(2)) : '–';
const fmtRatio = (n) => (Number.isFinite(n) ? n.toFixed(2) : '–');
const fmtSpread = (s) => (Number.isFinite(s) ? ` ±${Math.round((s * 100) / 2)}%` : '');
const fmtPct = (f) => (Number.isFinite(f) ? `${Math.round(f * 1000) / 10}%` : '–');
const byId = Object.fromEntries(WORKLOADS.map((w) => [w.id, w]));

/** Markdown tables for a summary. */
export function renderMarkdown(summary, { runsCount, header = '' } = {}) {
  const all = Object.keys(summary.clients);
  const ref = (n) => Boolean(summary.clients[n].meta?.reference);
  const names = [...all.filter((n) => !ref(n)), ...all.filter(ref)];
  const hasCref = Object.keys(summary.cref).length > 0;
  const present = (id) => names.some((n) => summary.clients[n].workloads[id]) || summary.cref[id];
  const ids = WORKLOADS.filter((w) => !w.timed && present(w.id)).map((w) => w.id);
  const timedIds = WORKLOADS.filter((w) => w.timed && present(w.id)).map((w) => w.id);
  const title = (id) => `${id}) ${byId[id]?.title ?? id}`;
  const colName = (n) => {
    const m = summary.clients[n].meta || {};
    return `${n}${m.version ? ' ' + m.version : ''}${m.reference ? ' (ref)' : ''}`;
  };
  const notes = new Set();
  const lines = [];
  const table = (head, rows) => {
    lines.push(`| workload | ${names.map(colName).join(' | ')}${head} |`);
    lines.push(`|---|${names.map(() => '---:').join('|')}|${head ? '---:|' : ''}`);
    lines.push(...rows, '');
  };
  // A cell's text, or null when the client has a figure for this workload.
  const special = (n, id) => {
    const c = summary.clients[n];
    const w = c.workloads[id];
    if (!w) return c.smokeFailures.length ? 'FAILED' : '–';
    if (w.skipped) {
      // one note per client for its "no TLS" cells, one per workload for the rest
      if (w.cell === 'no TLS') notes.add(`${n}: no TLS (k-m), ${w.skipped}`);
      else if (w.cell !== '–') notes.add(`${n} ${id}: ${w.cell ?? 'skipped'}, ${w.skipped}`);
      return w.cell ?? 'skipped';
    }
    if (!w.validRuns) {
      notes.add(`${n} ${id}: ${w.problems.join('; ')}`);
      return 'INVALID';
    }
    if (w.validRuns < w.runs)
      notes.add(`${n} ${id}: ${w.validRuns}/${w.runs} runs valid: ${w.problems.join('; ')}`);
    return null;
  };
  const rowOf = (label, id, fn, crefCell = '', orElse = (_w, cell) => cell) =>
    `| ${label} | ${names
      .map((n) => {
        const w = summary.clients[n].workloads[id];
        const cell = special(n, id);
        return cell === null ? fn(w, n) : orElse(w, cell);
      })
      .join(' | ')} |${crefCell}`;

  if (header) lines.push(header, '');
  lines.push(
    `### Throughput (ops/s, median of ${runsCount} run${runsCount === 1 ? '' : 's'}; ±x% = half the min–max range)`,
    '',
  );
  const gosEmulated = [];
  const crefMissing = new Map(); // reason -> workload ids
  const rows = ids.map((id) => {
    let crefCell = '';
    if (hasCref) {
      const r = summary.cref[id];
      const why = CREF_NOT_RUN[id];
      if (!r && why) crefMissing.set(why, [...(crefMissing.get(why) ?? []), id]);
      crefCell = ` ${r?.validRuns ? `${fmtInt(r.opsPerSec)}${fmtSpread(r.spread)}` : '–'} |`;
    }
    return rowOf(
      title(id),
      id,
      (w, n) => {
        const emuMulti =
          w.keysPerSec !== undefined && (summary.clients[n].meta?.emulated || []).includes('getMulti');
        if (emuMulti)
          notes.add(`* ${n}: getMulti emulated with parallel get() calls (the client has no multi-get)`);
        if (w.emulated) gosEmulated.push(n);
        if (w.serverGetsPerCall < 0.9)
          notes.add(
            `${n} ${id}: ${w.serverGetsPerCall} server gets per getOrSet call (concurrent calls for one key share one request)`,
          );
        if (w.tlsNudgeGets) notes.add(tlsNudgeNote);
        // a client that can only speak TLS without checking the certificate is marked †
        const noVerify = byId[id]?.on === 'tls' && summary.clients[n].meta?.tlsNoVerify;
        if (noVerify) notes.add(`† ${n}: TLS without certificate verification: ${noVerify}`);
        const partial = w.validRuns < w.runs ? ` (${w.validRuns}/${w.runs} valid)` : '';
        const mark = `${emuMulti || w.emulated ? '*' : ''}${noVerify ? '†' : ''}`;
        return `${fmtInt(w.opsPerSec)}${mark}${fmtSpread(w.spread)}${partial}`;
      },
      crefCell,
    );
  });
  for (const [why, which] of crefMissing) notes.add(`C ref ${which.join(', ')}: none, ${why}`);
  if (gosEmulated.length)
    notes.add(
      `* ${[...new Set(gosEmulated)].join(', ')}: getOrSet emulated by the harness (get, on a miss call the loader, then set; no stampede protection)`,
    );
  for (const id of ['f', 'h'].filter((x) => ids.includes(x)))
    rows.push(
      rowOf(
        `${id}) … as keys/s`,
        id,
        (w) => fmtInt(w.keysPerSec),
        hasCref ? ` ${fmtInt(summary.cref[id]?.keysPerSec)} |` : '',
      ),
    );
  if (ids.includes('i'))
    rows.push(
      rowOf(
        'i) … loader calls per expiry (lower is better)',
        'i',
        (w) => fmtRatio(w.loadersPerExpiry),
        hasCref ? ' – |' : '',
      ),
    );
  if (ids.includes('j'))
    rows.push(
      rowOf(
        'j) … near cache that ran (share of reads sent to memcached)',
        'j',
        nearCacheCell(notes),
        hasCref ? ' – |' : '',
      ),
    );
  table(hasCref ? ' | C ref (memaslap)' : '', rows);

  if (timedIds.length) {
    lines.push('### Large values, a 10,000-key getMulti, a cold burst (milliseconds per call)', '');
    const trows = [];
    for (const id of timedIds) {
      if (id === 'q') {
        const ops = Math.max(0, ...names.map((n) => summary.clients[n].workloads.q?.ops ?? 0));
        trows.push(
          rowOf(`q) cold burst: ${fmtInt(ops)} concurrent gets on a fresh client, total ms`, id, (w) =>
            fmtMs(w.totalMs * 1000),
          ),
        );
        trows.push(
          rowOf('q) … sockets the server accepted (target ≤ 2 per server)', id, socketsCell, '', (w, cell) =>
            cell === 'INVALID' && w.socketsAnyRun !== undefined
              ? `${fmtInt(w.socketsAnyRun)}${w.stormAnyRun ? ' ⚠ storm' : ''} (INVALID)`
              : cell,
          ),
        );
        continue;
      }
      trows.push(rowOf(`${title(id)}: p50 / p99`, id, (w) => `${fmtMs(w.p50Us)} / ${fmtMs(w.p99Us)}`));
      if (byId[id]?.rssProbes)
        trows.push(
          rowOf(`${id}) … copies of the value in memory, median / max`, id, (w) => copiesCell(w, notes)),
        );
    }
    table('', trows);
  }

  lines.push('### Latency p50 / p99 (µs, median of runs; C ref: memaslap average)', '');
  table(
    hasCref ? ' | C ref avg' : '',
    ids.map((id) => {
      const r = summary.cref[id];
      const crefCell = hasCref ? ` ${r?.validRuns ? fmtUs(r.avgLatencyUs) : '–'} |` : '';
      return rowOf(title(id), id, (w) => `${fmtUs(w.p50Us)} / ${fmtUs(w.p99Us)}`, crefCell);
    }),
  );
  lines.push('### CPU during the measured phase (cores busy: client process / memcached)', '');
  table(
    '',
    ids.map((id) => rowOf(title(id), id, (w) => `${w.clientCpu?.toFixed(2)} / ${w.serverCpu?.toFixed(2)}`)),
  );

  for (const n of names) {
    const c = summary.clients[n];
    if (c.smokeFailures.length)
      notes.add(`${n}: smoke test failed: ${[...new Set(c.smokeFailures)].join(' | ')}`);
    if (c.meta?.reference)
      notes.add(
        `${n} (ref): a reference loop, not a client (${c.meta.options}); it runs ${c.meta.only.join(', ')} only`,
      );
    else if (c.meta?.only) notes.add(`${n}: ${c.meta.options}; it runs ${c.meta.only.join(', ')} only`);
  }
  if (hasCref) {
    notes.add(
      'C ref = libmemcached memaslap against the same server, same value size and concurrency, ' +
        '-T min(cores, c) threads; each of its c connections has one request in flight (no pipelining), ' +
        'so it is a practical figure for this box, not a hard ceiling for pipelining clients',
    );
  }
  if (notes.size) {
    lines.push('Notes:');
    for (const n of notes) lines.push(`- ${n}`);
  }
  return lines.join('\n').trimEnd();
}

const tlsNudgeNote =
  'TLS set (m): memcached before 1.6.39 can stall a pipelined set over TLS until more bytes arrive ' +
  '(memcached commit 96e05b75f); the harness sends an unmeasured get through the client every 10 ms on this workload, ' +
  'so a stall costs at most that instead of a timeout';

function nearCacheCell(notes) {
  return (w, n) => {
    const share = fmtPct(w.serverReadFraction);
    if (!w.nearCache) {
      if (w.nearCacheNote) notes.add(`${n} j: no near cache: ${w.nearCacheNote}`);
      return `off (${share})`;
    }
    notes.add(
      `${n} j: near cache maxAge ${w.nearCache.maxAge} ms, maxBytes ${w.nearCache.maxBytes}; ` +
        `oldest value served: replaced ${fmtRatio(w.maxStalenessMs)} ms before the read (bound ${w.staleBoundMs} ms)`,
    );
    const hits =
      w.nearCacheHitRatio == null ? '' : `; ${fmtPct(w.nearCacheHitRatio)} of reads answered by it`;
    return `on, maxAge ${w.nearCache.maxAge} ms (${share}${hits})`;
  };
}

function copiesCell(w, notes) {
  if (w.rssMethod)
    notes.add(
      `copies of the value = peak RSS delta of one get in a fresh process / value size (${w.rssMethod}); the returned value is one copy`,
    );
  return `${fmtRatio(w.copiesMedian)} / ${fmtRatio(w.copiesMax)}`;
}

function socketsCell(w) {
  const storm = w.socketsPerServer > SOCKETS_PER_SERVER_TARGET;
  return `${fmtInt(w.sockets)}${w.socketsMax !== w.sockets ? ` (max ${fmtInt(w.socketsMax)})` : ''}${storm ? ' ⚠ storm' : ''}`;
}
