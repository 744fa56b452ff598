/**
 * The run matrix: for every runtime × project × module format, the consumer script imports every
 * public entry point and runs the project's scenarios against real memcached (TCP, unix socket,
 * TLS) and an embedded @memkit/server. Each scenario is one test, checked against the matrix's
 * expectation: pass, not supported by the installed packages' engines, or a known runtime failure.
 */
import { describe, expect, inject, test } from 'vitest';
import type { ExecResult } from '../src/exec';
import { describeFailure, limit } from '../src/exec';
import {
  expectation,
  FORMATS,
  type Format,
  PROJECT_SCENARIOS,
  type Scenario,
  scenarioLoads,
} from '../src/matrix';
import { conflictNames, packageOf, planRun, type RunPlan } from '../src/plan';
import { PROJECTS, type Project, type ProjectName } from '../src/projects';
import { type ConsumerReport, runConsumer } from '../src/run-consumer';
import { RUNTIMES, type Runtime, type RuntimeName } from '../src/runtimes';

const manifest = inject('consumer');
// Two runtimes at a time: enough to overlap their start-up, little enough for a shared machine.
const two = limit(2);

interface Run {
  plan: RunPlan;
  report?: ConsumerReport;
  result: ExecResult;
}

const runs = new Map<string, Promise<Run>>();

function runtimeOf(name: RuntimeName): Runtime {
  const r = manifest.runtimes.find((x) => (x.ok ? x.runtime.name : x.name) === name);
  if (r === undefined) throw new Error(`runtime ${name} was not prepared`);
  if (!r.ok) throw new Error(`runtime ${name} could not be fetched: ${r.error}`);
  return r.runtime;
}

function projectOf(name: ProjectName): Project {
  const p = manifest.projects.find((x) => x.name === name);
  if (p === undefined) throw new Error(`project ${name} was not prepared`);
  return p;
}

/** The run of one runtime × project × format, started once and shared by its tests. */
function run(runtimeName: RuntimeName, projectName: ProjectName, format: Format): Promise<Run> {
  const key = `${runtimeName}/${projectName}/${format}`;
  let pending = runs.get(key);
  if (pending === undefined) {
    pending = two(async () => {
      const runtime = runtimeOf(runtimeName);
      const project = projectOf(projectName);
      const plan = planRun(runtime, project, format, manifest.packed);
      const { report, result } = await runConsumer({
        runtime,
        project,
        format,
        scenarios: plan.scenarios,
        entrypoints: plan.entrypoints,
        servers: manifest.servers,
      });
      return report === undefined ? { plan, result } : { plan, report, result };
    });
    runs.set(key, pending);
  }
  return pending;
}

function reportOf(r: Run, what: string): ConsumerReport {
  if (r.report === undefined) throw new Error(describeFailure(`${what} wrote no report`, r.result));
  return r.report;
}

async function checkScenario(runtime: RuntimeName, project: ProjectName, format: Format, scenario: Scenario) {
  const what = `${runtime} ${project} ${format} ${scenario}`;
  const r = await run(runtime, project, format);
  const expected = expectation(runtime, project, format, scenario);
  const excluded = r.plan.excludedScenarios.get(scenario);
  if (expected.kind === 'unsupported') {
    // The installed packages' engines exclude exactly these: the peer's own package.json says so.
    expect(
      excluded,
      `${what}: expected the engines of ${expected.unsupported.because} to exclude it`,
    ).toBeDefined();
    expect(conflictNames(excluded ?? [])).toEqual([...expected.unsupported.because].sort());
    return;
  }
  expect(excluded, `${what}: unexpectedly excluded by engines: ${JSON.stringify(excluded)}`).toBeUndefined();
  const outcome = reportOf(r, what).scenarios[scenario];
  expect(outcome, `${what}: the script did not run it`).toBeDefined();
  if (expected.kind === 'known') {
    expect(
      outcome?.ok,
      `${what} passes now: remove it from KNOWN_FAILURES (${expected.failure.issue}) and the README`,
    ).toBe(false);
    if (outcome?.ok === false) expect(outcome.error).toMatch(expected.failure.error);
    return;
  }
  if (outcome?.ok === false) throw new Error(`${what} failed:\n${outcome.error}`);
  expect(outcome?.ok).toBe(true);
}

for (const runtime of RUNTIMES) {
  describe.concurrent(runtime, () => {
    for (const project of PROJECTS) {
      for (const format of FORMATS) {
        test(`${project} ${format}: every public entry point loads`, async () => {
          const r = await run(runtime, project, format);
          const report = reportOf(r, `${runtime} ${project} ${format}`);
          expect(Object.keys(report.entrypoints).sort()).toEqual([...r.plan.entrypoints].sort());
          for (const [specifier, outcome] of Object.entries(report.entrypoints)) {
            if (!outcome.ok) throw new Error(`${specifier} failed to load:\n${outcome.error}`);
            if (!specifier.endsWith('.json')) expect(outcome.names.length, specifier).toBeGreaterThan(0);
          }
          // Entry points left out are only those of packages whose scenarios are expected unsupported.
          const unsupportedPackages = new Set(
            PROJECT_SCENARIOS[project]
              .filter((s) => expectation(runtime, project, format, s).kind === 'unsupported')
              .flatMap((s) => scenarioLoads(s, projectOf(project).peers)),
          );
          for (const specifier of r.plan.excludedEntrypoints.keys()) {
            expect(unsupportedPackages.has(packageOf(specifier)), `${specifier} excluded on ${runtime}`).toBe(
              true,
            );
          }
        });
        test(`${project} ${format}: no process warning from memkit`, async () => {
          const report = reportOf(await run(runtime, project, format), `${runtime} ${project} ${format}`);
          expect(report.warnings.filter((w) => /memkit/i.test(w))).toEqual([]);
        });
        for (const scenario of PROJECT_SCENARIOS[project]) {
          test(`${project} ${format}: ${scenario}`, () => checkScenario(runtime, project, format, scenario));
        }
      }
      test(`${project}: the CJS and ESM builds export the same names`, async () => {
        const [esm, cjs] = await Promise.all([run(runtime, project, 'esm'), run(runtime, project, 'cjs')]);
        const e = reportOf(esm, `${runtime} ${project} esm`).entrypoints;
        const c = reportOf(cjs, `${runtime} ${project} cjs`).entrypoints;
        for (const specifier of Object.keys(e)) {
          const a = e[specifier];
          const b = c[specifier];
          if (a?.ok && b?.ok) expect(b.names, specifier).toEqual(a.names);
        }
      });
    }
  });
}
