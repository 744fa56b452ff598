/**
 * `pnpm soak`: the desync workload of packages/client/test/reliability for a long run. Three
 * real memcacheds behind fault proxies, a pipelined mix of get/getMulti/set/gets+cas/incr on
 * values derived from their keys, random faults for SOAK_SECONDS (default 60), then a recovery
 * phase; prints the same counters as the test and exits 1 if any call got another key's
 * value, settled late, or the client did not recover.
 *
 *   SOAK_SECONDS=300 pnpm soak
 *   SOAK_PROTOCOL=text SOAK_SEED=7 pnpm soak
 *
 * Runs the built client (`pnpm soak` builds it first) and the workload's TypeScript source
 * through Node's type stripping (Node >= 22.18; pnpm scripts here run Node 24).
 */
import { registerHooks } from 'node:module';

// The workload's relative imports are extensionless, as the TypeScript sources everywhere
// else in the repo: resolve `./x` to `./x.ts` when `./x` itself does not exist.
registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (err) {
      if (!specifier.startsWith('.') || /\.[cm]?[jt]s$/.test(specifier)) throw err;
      return nextResolve(`${specifier}.ts`, context);
    }
  },
});

const { Client } = await import('../packages/client/dist/index.js');
const { formatReport, runDesync } = await import('../packages/client/test/reliability/workload.ts');

// Read by this script, not by a turbo task: turbo's env hashing does not apply.
const { SOAK_SECONDS, SOAK_PROTOCOL, SOAK_SEED } = process.env;
const seconds = Number(SOAK_SECONDS ?? 60);
const protocol = SOAK_PROTOCOL ?? 'meta';
const seed = Number(SOAK_SEED ?? Date.now() % 1_000_000);
if (!(seconds > 0) || !['meta', 'text'].includes(protocol) || !Number.isInteger(seed)) {
  console.error('usage: SOAK_SECONDS=<n > 0> SOAK_PROTOCOL=meta|text SOAK_SEED=<integer> pnpm soak');
  process.exit(64);
}

let unhandled = 0;
process.on('unhandledRejection', (reason) => {
  unhandled++;
  console.error('unhandled rejection:', reason);
});

console.log(`soak: ${seconds} s of faults, protocol ${protocol}, seed ${seed}`);
const started = Date.now();
const report = await runDesync({
  ClientClass: Client,
  protocol,
  seed,
  faultMs: seconds * 1000,
  timeout: 400,
  settleSlackMs: 350,
  // Text replies carry no opaque: reply look-alikes would be forged replies there, not faults.
  ...(protocol === 'text'
    ? { garbage: (await import('../packages/client/test/reliability/chaos.ts')).JUNK }
    : {}),
  onProgress: (c) => {
    if (Math.round(c.elapsedMs / 1000) % 10 !== 0) return;
    console.log(
      `  t=${Math.round(c.elapsedMs / 1000)}s ops=${c.ops} ok=${c.ok} mismatches=${c.mismatches}` +
        ` errors=${JSON.stringify(c.errors)}`,
    );
  },
});
console.log(formatReport(`soak ${protocol} ${seconds}s`, report));
console.log(`  unhandledRejections=${unhandled} wallClockS=${Math.round((Date.now() - started) / 1000)}`);

const r = report.recovery;
const failures = [
  report.faults.mismatches > 0 && `${report.faults.mismatches} calls got another key's value`,
  report.faults.late > 0 && `${report.faults.late} calls settled after timeout + slack`,
  (r.ok !== r.ops || r.mismatches + r.corrupt > 0) && 'the client did not fully recover after the faults',
  report.openConnections !== 3 && `${report.openConnections} proxy connections open at the end, expected 3`,
  unhandled > 0 && `${unhandled} unhandled rejections`,
].filter(Boolean);
for (const f of failures) console.error(`FAIL: ${f}`);
process.exit(failures.length > 0 ? 1 : 0);
