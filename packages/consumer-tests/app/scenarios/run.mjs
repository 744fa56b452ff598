// Runs the consumer checks in one process and writes a JSON report: which entry points loaded
// (with their export names) and, per scenario, whether it passed and why not. Every scenario gets
// its own key prefix so that concurrent runs on one memcached never see each other's keys.
import { readFileSync, writeFileSync } from 'node:fs';
import process from 'node:process';
import { cliScenario } from './cli.mjs';
import { clientScenario, dualPackageScenario, serverScenario } from './client.mjs';
import { expressSessionScenario } from './express-session.mjs';
import { keyvScenario } from './keyv.mjs';
import { nestScenario } from './nest.mjs';
import { otelScenario } from './otel.mjs';
import { compressionScenario, textProtocolScenario, tlsScenario, unixSocketScenario } from './transports.mjs';

const SCENARIO_TIMEOUT_MS = 30_000;

const SCENARIOS = {
  client: clientScenario,
  server: serverScenario,
  'dual-package': dualPackageScenario,
  'client-text': textProtocolScenario,
  'client-unix': unixSocketScenario,
  'client-tls': tlsScenario,
  'client-compression': compressionScenario,
  keyv5: (ctx) => keyvScenario(ctx, 5),
  keyv6: (ctx) => keyvScenario(ctx, 6),
  'express-session': expressSessionScenario,
  nestjs: nestScenario,
  cli: cliScenario,
  opentelemetry: otelScenario,
};

function describeError(err) {
  if (err instanceof Error) {
    const code = err.code === undefined ? '' : ` [${err.code}]`;
    return `${err.name}${code}: ${err.message}\n${(err.stack ?? '').split('\n').slice(1, 6).join('\n')}`;
  }
  return String(err);
}

async function withTimeout(promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not finish in ${SCENARIO_TIMEOUT_MS} ms`)),
      SCENARIO_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function loadEntrypoints(load, specifiers) {
  const out = {};
  for (const specifier of specifiers) {
    try {
      const mod = await load(specifier);
      const names = specifier.endsWith('.json')
        ? Object.keys(mod.default ?? mod).filter((k) => k === 'name' || k === 'version')
        : Object.keys(mod).filter((k) => k !== 'default' && k !== '__esModule' && k !== 'module.exports');
      out[specifier] = { ok: true, names: names.sort() };
    } catch (err) {
      out[specifier] = { ok: false, error: describeError(err) };
    }
  }
  return out;
}

/**
 * @param {{ format: 'esm' | 'cjs', load: (s: string) => Promise<any>, loadOther: (s: string) => Promise<any> }} how
 */
export async function runConsumer(how) {
  const config = JSON.parse(readFileSync(new URL('../consumer.config.json', import.meta.url), 'utf8'));
  const runId = process.env.MEMKIT_RUN_ID ?? `run${process.pid}`;
  const memcached = process.env.MEMKIT_MEMCACHED;
  const names = process.argv.slice(2);
  const report = { format: how.format, entrypoints: {}, scenarios: {}, warnings: [] };
  // Process warnings (deprecations among them) are what a user would see in their logs.
  process.on('warning', (w) => report.warnings.push(`${w.name}: ${w.message}`));
  // The harness passes the entry points this runtime supports; by hand, every one is loaded.
  const entrypoints = process.env.MEMKIT_ENTRYPOINTS
    ? JSON.parse(process.env.MEMKIT_ENTRYPOINTS)
    : config.entrypoints;
  report.entrypoints = await loadEntrypoints(how.load, entrypoints);
  for (const name of names) {
    const scenario = SCENARIOS[name];
    if (scenario === undefined) {
      report.scenarios[name] = { ok: false, error: `unknown scenario ${name}` };
      continue;
    }
    const ctx = { ...how, config, memcached, prefix: `${runId}-${how.format}-${name}` };
    try {
      if (!memcached) throw new Error('MEMKIT_MEMCACHED (host:port of a real memcached) is not set');
      const detail = await withTimeout(scenario(ctx), name);
      report.scenarios[name] = { ok: true, detail: detail ?? null };
    } catch (err) {
      report.scenarios[name] = { ok: false, error: describeError(err) };
    }
  }
  const text = `${JSON.stringify(report)}\n`;
  if (process.env.MEMKIT_REPORT) writeFileSync(process.env.MEMKIT_REPORT, text);
  else process.stdout.write(text);
  // A scenario that leaked a socket must not keep the runtime alive: the report is what counts.
  process.exit(0);
}
