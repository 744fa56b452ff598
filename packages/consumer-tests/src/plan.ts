/**
 * Plans one run of the consumer script: which scenarios and entry points the installed packages'
 * `engines` allow on the runtime, and which they exclude (with the conflicting packages).
 */
import { closure, type EngineConflict, engineConflicts } from './engines';
import { type Format, PROJECT_SCENARIOS, type Scenario, scenarioLoads } from './matrix';
import type { PackedInfo } from './prepare';
import type { Project } from './projects';
import type { Runtime } from './runtimes';

/** A run's plan. */
export interface RunPlan {
  format: Format;
  scenarios: Scenario[];
  excludedScenarios: Map<Scenario, EngineConflict[]>;
  entrypoints: string[];
  excludedEntrypoints: Map<string, EngineConflict[]>;
}

/** The package an entry point belongs to. */
export function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] as string);
}

export function planRun(
  runtime: Runtime,
  project: Project,
  format: Format,
  packed: readonly PackedInfo[],
): RunPlan {
  const conflictsOf = (roots: string[]) => engineConflicts(closure(project.dir, roots), runtime.nodeVersion);
  const plan: RunPlan = {
    format,
    scenarios: [],
    excludedScenarios: new Map(),
    entrypoints: [],
    excludedEntrypoints: new Map(),
  };
  for (const scenario of PROJECT_SCENARIOS[project.name]) {
    const conflicts = conflictsOf(scenarioLoads(scenario, project.peers));
    if (conflicts.length === 0) plan.scenarios.push(scenario);
    else plan.excludedScenarios.set(scenario, conflicts);
  }
  for (const specifier of packed.flatMap((p) => p.entrypoints)) {
    const conflicts = conflictsOf([packageOf(specifier)]);
    if (conflicts.length === 0) plan.entrypoints.push(specifier);
    else plan.excludedEntrypoints.set(specifier, conflicts);
  }
  return plan;
}

/** The package names (no versions) in a list of conflicts, sorted and distinct. */
export function conflictNames(conflicts: readonly EngineConflict[]): string[] {
  return [...new Set(conflicts.map((c) => c.pkg.slice(0, c.pkg.lastIndexOf('@'))))].sort();
}
