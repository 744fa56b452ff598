/**
 * @memkit/cli: the `memkit` command line (stats tables, key tools, a live
 * watch view) and the live web dashboard server it serves, usable as a
 * library too (`createDashboardServer`, `StatsMonitor`, `summarize`).
 */
export { DEFAULT_SERVER, resolveServers, splitServers } from './config';
export { createDashboardServer, type DashboardServer, type DashboardServerOptions } from './dashboard/server';
export type { DashboardState, DashboardTick } from './dashboard/wire';
export { CliError, ExitCode, type ExitCodeValue } from './errors';
export type { CliIo } from './io';
export { createProgram, run } from './program';
export {
  type MonitorTick,
  mergeSlabs,
  type ServerSlabs,
  StatsMonitor,
  type StatsMonitorOptions,
} from './stats/monitor';
export { type Sample, type ServerSample, takeSample } from './stats/sample';
export { groupByClass, type SlabGroups, type SlabKind } from './stats/slabs';
export {
  type PoolTotals,
  type ServerSummary,
  type Summary,
  summarize,
  summarizeServer,
} from './stats/summary';
export { renderSummaryTable, type TableLayout } from './stats/table';
