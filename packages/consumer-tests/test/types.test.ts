/**
 * The typed consumer, checked with the project's TypeScript under nodenext, bundler and node10,
 * against the lowest and the newest peers. Expected-error lines in app/typed/consumer.ts fail the
 * check if any package's types resolve to `any`.
 */
import { describe, expect, inject, test } from 'vitest';
import { consumerEnv, describeFailure, exec, limit, projectTool } from '../src/exec';
import { MODES, writeTypedConsumer } from '../src/typed';

const manifest = inject('consumer');
const two = limit(2);
const specifiers = manifest.packed.flatMap((p) => p.entrypoints);

describe.concurrent('TypeScript consumer', () => {
  for (const name of ['lowest', 'newest'] as const) {
    const project = manifest.projects.find((p) => p.name === name);
    const configs = project === undefined ? undefined : writeTypedConsumer(project.dir, specifiers);
    for (const mode of MODES) {
      test(`${name} peers, moduleResolution ${mode}: no type error`, async () => {
        if (project === undefined || configs === undefined)
          throw new Error(`project ${name} was not prepared`);
        const r = await two(() =>
          exec(...projectTool(project.dir, 'tsc', ['-p', configs[mode], '--pretty', 'false']), {
            cwd: project.dir,
            env: consumerEnv(),
          }),
        );
        expect(r.stdout + r.stderr, describeFailure(`tsc (${mode})`, r)).toBe('');
        expect(r.code).toBe(0);
      });
    }
  }
});
