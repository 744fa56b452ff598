/**
 * The consumer matrix: the scenarios each project runs, which installed packages each scenario
 * loads (for the engines check), the feature rows of the README table, and what is expected in
 * every cell: a pass, "not supported" because an installed package's `engines` excludes the
 * runtime, or a KNOWN failure that is the runtime's fault (with the runtime's issue). A known
 * failure that starts passing fails the test, so the table stays true.
 */
import type { PeerSet, ProjectName } from './projects';
import type { RuntimeName } from './runtimes';

/** The scenarios of app/scenarios/run.mjs that exercise the client alone (the `client` table row). */
const CLIENT_SCENARIOS = [
  'client',
  'client-text',
  'client-unix',
  'client-tls',
  'client-compression',
  'dual-package',
] as const;

/** The scenarios of app/scenarios/run.mjs. */
export const SCENARIOS = [
  ...CLIENT_SCENARIOS,
  'server',
  'keyv5',
  'keyv6',
  'express-session',
  'nestjs',
  'cli',
  'opentelemetry',
] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** Module formats: each scenario runs from an ESM script (import) and a CJS one (require). */
export const FORMATS = ['esm', 'cjs'] as const;
export type Format = (typeof FORMATS)[number];

/** The rows of the README table. */
export const FEATURES = [
  'client',
  'server',
  'keyv5',
  'keyv6',
  'express-session',
  'nestjs11',
  'nestjs12',
  'cli',
  'opentelemetry',
] as const;
export type Feature = (typeof FEATURES)[number];

export const FEATURE_LABELS: Record<Feature, string> = {
  client: 'client (`@memkit/client`)',
  server: 'server (`@memkit/server`)',
  keyv5: 'Keyv 5 (`@memkit/keyv`)',
  keyv6: 'Keyv 6 (`@memkit/keyv`)',
  'express-session': 'express-session (`@memkit/express-session`)',
  nestjs11: 'NestJS 11 (`@memkit/nestjs`)',
  nestjs12: 'NestJS 12 (`@memkit/nestjs`)',
  cli: 'CLI (`@memkit/cli`)',
  opentelemetry: 'OpenTelemetry (`@memkit/opentelemetry`)',
};

/** The scenarios each project runs: `lowest` has no Keyv 6; `newest-keyv5` runs what its Keyv 5 changes. */
export const PROJECT_SCENARIOS: Record<ProjectName, Scenario[]> = {
  lowest: SCENARIOS.filter((s) => s !== 'keyv6'),
  newest: [...SCENARIOS],
  'newest-keyv5': ['keyv5', 'nestjs'],
};

/** The table row a scenario counts for. */
export function featureOf(project: ProjectName, scenario: Scenario): Feature {
  if ((CLIENT_SCENARIOS as readonly Scenario[]).includes(scenario)) return 'client';
  if (scenario === 'nestjs') return project === 'lowest' ? 'nestjs11' : 'nestjs12';
  return scenario as Exclude<Scenario, (typeof CLIENT_SCENARIOS)[number] | 'nestjs'>;
}

/** The installed packages a scenario loads (their dependency closure is engines-checked). */
export function scenarioLoads(scenario: Scenario, peers: PeerSet): string[] {
  switch (scenario) {
    case 'server':
      return ['@memkit/client', '@memkit/server'];
    case 'keyv5':
    case 'keyv6': {
      const spec = peers.keyv[scenario === 'keyv5' ? '5' : '6'];
      if (spec === undefined) throw new Error(`no Keyv for ${scenario}`);
      return ['@memkit/keyv', spec];
    }
    case 'express-session':
      return ['@memkit/express-session', 'express', 'express-session'];
    case 'nestjs':
      return [
        '@memkit/nestjs',
        '@nestjs/common',
        '@nestjs/core',
        '@nestjs/cache-manager',
        '@nestjs/terminus',
        'reflect-metadata',
      ];
    case 'cli':
      return ['@memkit/cli'];
    case 'opentelemetry': {
      if (peers.otelSdk === undefined) throw new Error('no OpenTelemetry SDK in this project');
      return [
        '@memkit/opentelemetry',
        '@memkit/client',
        '@opentelemetry/api',
        '@opentelemetry/instrumentation',
        '@opentelemetry/context-async-hooks',
        peers.otelSdk,
      ];
    }
    default:
      return ['@memkit/client'];
  }
}

/** A combination the installed packages' `engines` exclude, with the packages that do. */
export interface Unsupported {
  runtime: RuntimeName;
  project: ProjectName;
  scenario: Scenario;
  /** Names (without versions) of the packages whose `engines.node` excludes the runtime. */
  because: string[];
  /** For the README table, when nothing of the row runs on that runtime. */
  note: string;
  /** For the README table, when other projects of the row do run there (omitted: just ✅). */
  partial?: string;
}

// Keyv 6 (and its hookified) need Node >= 22.19; in the newest project every scenario that loads
// @memkit/keyv loads Keyv 6, the application's `keyv`. NestJS 12's @nestjs/common needs file-type
// 22, which needs Node >= 22.
const KEYV6 = ['hookified', 'keyv'];
const KEYV6_NOTE = 'Keyv 6 needs Node ≥ 22.19';
const NEST12 = ['file-type'];
const NEST12_NOTE = 'NestJS 12 needs Node ≥ 22';
// OpenTelemetry JS 3 (SDK 3.x, instrumentation 0.300+) needs Node >= 22.15; SDK 2 runs on Node 20.
const OTEL3 = [
  '@opentelemetry/context-async-hooks',
  '@opentelemetry/core',
  '@opentelemetry/instrumentation',
  '@opentelemetry/resources',
  '@opentelemetry/sdk-trace',
];
const OTEL3_NOTE = 'OpenTelemetry JS 3 needs Node ≥ 22.15';

/** Every combination expected not to run, and why (checked against the installed engines). */
export const EXPECTED_UNSUPPORTED: Unsupported[] = [
  { runtime: 'node20', project: 'newest', scenario: 'keyv5', because: KEYV6, note: KEYV6_NOTE },
  { runtime: 'node20', project: 'newest', scenario: 'keyv6', because: KEYV6, note: KEYV6_NOTE },
  {
    runtime: 'node20',
    project: 'newest',
    scenario: 'nestjs',
    because: [...NEST12, ...KEYV6],
    note: NEST12_NOTE,
  },
  { runtime: 'node20', project: 'newest-keyv5', scenario: 'nestjs', because: NEST12, note: NEST12_NOTE },
  {
    runtime: 'node20',
    project: 'newest',
    scenario: 'opentelemetry',
    because: OTEL3,
    note: OTEL3_NOTE,
    partial: `with OpenTelemetry JS 2; ${OTEL3_NOTE}`,
  },
];

/** A failure that is the runtime's fault, asserted so that the table stays true. */
export interface KnownFailure {
  runtime: RuntimeName;
  project?: ProjectName;
  format?: Format;
  scenario: Scenario;
  /** What the failure's error message matches. */
  error: RegExp;
  /** The runtime's issue. */
  issue: string;
  /** One line for the README. */
  summary: string;
}

/** No runtime-caused failure is known for the pinned runtimes (see README's runtime table). */
export const KNOWN_FAILURES: KnownFailure[] = [];

/** The expected outcome of one cell of the run matrix. */
export type Expectation =
  | { kind: 'pass' }
  | { kind: 'unsupported'; unsupported: Unsupported }
  | { kind: 'known'; failure: KnownFailure };

export function expectation(
  runtime: RuntimeName,
  project: ProjectName,
  format: Format,
  scenario: Scenario,
): Expectation {
  const unsupported = EXPECTED_UNSUPPORTED.find(
    (u) => u.runtime === runtime && u.project === project && u.scenario === scenario,
  );
  if (unsupported) return { kind: 'unsupported', unsupported };
  const known = KNOWN_FAILURES.find(
    (k) =>
      k.runtime === runtime &&
      k.scenario === scenario &&
      (k.project === undefined || k.project === project) &&
      (k.format === undefined || k.format === format),
  );
  if (known) return { kind: 'known', failure: known };
  return { kind: 'pass' };
}
