/**
 * Runs app/consumer.mjs or app/consumer.cjs of one project on one runtime and reads its report.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { consumerEnv, type ExecResult, exec } from './exec';
import type { Format, Scenario } from './matrix';
import type { Servers } from './prepare';
import type { Project } from './projects';
import { type Runtime, scriptCommand } from './runtimes';

/** One entry point as the script loaded it. */
export type EntrypointResult = { ok: true; names: string[] } | { ok: false; error: string };

/** One scenario's outcome. */
export type ScenarioResult = { ok: true; detail: unknown } | { ok: false; error: string };

/** What app/scenarios/run.mjs writes. */
export interface ConsumerReport {
  format: Format;
  entrypoints: Record<string, EntrypointResult>;
  scenarios: Partial<Record<Scenario, ScenarioResult>>;
  /** The process warnings emitted during the run (`name: message`). */
  warnings: string[];
}

/** Options of {@link runConsumer}. */
export interface RunOptions {
  runtime: Runtime;
  project: Project;
  format: Format;
  scenarios: readonly Scenario[];
  entrypoints: readonly string[];
  servers: Servers;
}

/** The environment the scenarios read (see app/scenarios). */
export function scenarioEnv(
  servers: Servers,
  runtime: Runtime,
  extra: NodeJS.ProcessEnv = {},
): NodeJS.ProcessEnv {
  const env = consumerEnv({
    MEMKIT_MEMCACHED: servers.tcp,
    MEMKIT_MEMCACHED_UNIX: servers.unix,
    MEMKIT_MEMCACHED_TLS: servers.tls,
    MEMKIT_TLS_CA: servers.tlsCaFile,
    MEMKIT_TLS_SERVERNAME: servers.tlsServername,
    ...extra,
  });
  if (runtime.pathDir !== undefined) env.PATH = `${runtime.pathDir}${delimiter}${env.PATH ?? ''}`;
  return env;
}

/** Runs the consumer script; `report` is undefined when the process wrote none (it crashed). */
export async function runConsumer(o: RunOptions): Promise<{ report?: ConsumerReport; result: ExecResult }> {
  const dir = mkdtempSync(join(tmpdir(), 'memkit-consumer-'));
  const reportFile = join(dir, 'report.json');
  try {
    const script = o.format === 'esm' ? 'consumer.mjs' : 'consumer.cjs';
    const [command, args] = scriptCommand(o.runtime, script, o.scenarios);
    const env = scenarioEnv(o.servers, o.runtime, {
      MEMKIT_REPORT: reportFile,
      MEMKIT_ENTRYPOINTS: JSON.stringify(o.entrypoints),
      MEMKIT_RUN_ID: `${o.runtime.name}-${o.project.name}-${randomBytes(4).toString('hex')}`,
    });
    const result = await exec(command, args, { cwd: o.project.dir, env, timeoutMs: 150_000 });
    let report: ConsumerReport | undefined;
    try {
      report = JSON.parse(readFileSync(reportFile, 'utf8')) as ConsumerReport;
    } catch {
      report = undefined;
    }
    return report === undefined ? { result } : { report, result };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
