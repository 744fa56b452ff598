/**
 * The tarballs themselves, as the registry would receive them: publint and arethetypeswrong
 * report nothing (every level, every resolution mode including node10), every publishable
 * package is built before this package's tests, and the peer ranges start exactly at the lowest
 * versions the consumer projects install (and admit the newest).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { describe, expect, inject, test } from 'vitest';
import { consumerEnv, describeFailure, exec, limit, projectTool } from '../src/exec';
import { PACKAGE_DIR } from '../src/paths';
import { PEER_SETS } from '../src/projects';
import { RUNTIME_VERSIONS } from '../src/runtimes';
import { readTarball, tarballManifest } from '../src/tarball';

const manifest = inject('consumer');
const tools = manifest.projects.find((p) => p.name === 'newest');
const two = limit(2);

function toolsDir(): string {
  if (tools === undefined) throw new Error('the newest project (it has publint and attw) was not prepared');
  return tools.dir;
}

test('every publishable package is a dependency of this package, so turbo builds it before these tests', () => {
  const own = JSON.parse(readFileSync(join(PACKAGE_DIR, 'package.json'), 'utf8')) as {
    devDependencies: Record<string, string>;
  };
  expect(manifest.packed.length).toBeGreaterThanOrEqual(7);
  for (const p of manifest.packed) expect(own.devDependencies[p.name], p.name).toBe('workspace:*');
});

test('publint finds nothing in any tarball (errors, warnings or suggestions)', async () => {
  const r = await exec('node', ['tools/publint.mjs', ...manifest.packed.map((p) => p.tarball)], {
    cwd: toolsDir(),
    env: consumerEnv(),
  });
  expect(r.code, describeFailure('publint', r)).toBe(0);
  const results = JSON.parse(r.stdout) as Array<{ tarball: string; messages: Array<{ text: string }> }>;
  expect(results).toHaveLength(manifest.packed.length);
  for (const { tarball, messages } of results)
    expect(
      messages.map((m) => m.text),
      tarball,
    ).toEqual([]);
});

describe.concurrent('arethetypeswrong', () => {
  for (const p of manifest.packed) {
    test(`${p.name}: no problem in any resolution mode (node10, node16 CJS/ESM, bundler)`, async () => {
      const r = await two(() =>
        exec(...projectTool(toolsDir(), 'attw', ['--format', 'json', '--no-definitely-typed', p.tarball]), {
          cwd: toolsDir(),
          env: consumerEnv(),
        }),
      );
      const out = JSON.parse(r.stdout) as {
        analysis: { entrypoints: Record<string, { resolutions: Record<string, unknown> }> };
        problems: unknown[] | Record<string, unknown[]>;
      };
      expect(out.problems, describeFailure(`attw ${p.name}`, r)).toEqual(
        Array.isArray(out.problems) ? [] : {},
      );
      expect(r.code).toBe(0);
      // Every entry point was analysed in every mode.
      const subpaths = Object.keys(out.analysis.entrypoints).sort();
      const expected = p.entrypoints.map((s) => (s === p.name ? '.' : `.${s.slice(p.name.length)}`)).sort();
      expect(subpaths).toEqual(expected);
      for (const entry of Object.values(out.analysis.entrypoints)) {
        expect(Object.keys(entry.resolutions).sort()).toEqual([
          'bundler',
          'node10',
          'node16-cjs',
          'node16-esm',
        ]);
      }
    });
  }
});

describe('peer ranges and engines', () => {
  const lowest = PEER_SETS.lowest.dependencies;
  const newest = PEER_SETS.newest.dependencies;
  for (const p of manifest.packed) {
    const m = tarballManifest(readTarball(readFileSync(p.tarball)));
    for (const [peer, range] of Object.entries(m.peerDependencies ?? {})) {
      const sibling = manifest.packed.find((x) => x.name === peer);
      if (sibling !== undefined) {
        test(`${p.name}: its peer ${peer} ${range} admits the version packed with it`, () => {
          expect(semver.satisfies(sibling.version, range), `${sibling.version} in ${range}`).toBe(true);
        });
        continue;
      }
      test(`${p.name}: ${peer} ${range} starts at the lowest version tested and admits the newest`, () => {
        const low = lowest[peer];
        const high = newest[peer];
        expect(low, `${peer} is not in the lowest peer set`).toBeDefined();
        expect(high, `${peer} is not in the newest peer set`).toBeDefined();
        expect(semver.minVersion(range)?.version).toBe(low);
        expect(semver.satisfies(high as string, range), `${high} in ${range}`).toBe(true);
      });
    }
    test(`${p.name}: engines.node admits Node 20, 22 and 24`, () => {
      const range = m.engines?.node;
      expect(range, 'engines.node').toBeDefined();
      for (const v of [RUNTIME_VERSIONS.node20, RUNTIME_VERSIONS.node22, RUNTIME_VERSIONS.node24]) {
        expect(semver.satisfies(v, range as string), `${v} in ${range}`).toBe(true);
      }
    });
  }

  test('the newest Keyv 6 needs Node 22.19 and NestJS 12 needs Node 22, as the README table says', () => {
    const dir = toolsDir();
    const enginesOf = (name: string) =>
      (
        JSON.parse(readFileSync(join(dir, 'node_modules', name, 'package.json'), 'utf8')) as {
          engines: { node: string };
        }
      ).engines.node;
    expect(semver.minVersion(enginesOf('keyv'))?.version).toBe('22.19.0');
    expect(semver.minVersion(enginesOf('file-type'))?.version).toBe('22.0.0');
    const common = JSON.parse(
      readFileSync(join(dir, 'node_modules/@nestjs/common/package.json'), 'utf8'),
    ) as {
      dependencies: Record<string, string>;
    };
    expect(common.dependencies['file-type'], '@nestjs/common 12 depends on file-type').toBeDefined();
  });
});
