/**
 * Errors survive the dual-package hazard: the ESM and CJS builds of this
 * package (and two installed copies of it) loaded in one process agree on
 * `instanceof MemkitError` and its subclasses. Runs the built files in a
 * child node process, as an application that mixes `import` and `require`
 * would load them.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const pkg = join(import.meta.dirname, '..');
const dist = join(pkg, 'dist');

/** Builds at least as new as the sources, or the test would check stale code. */
function requireFreshBuild(): void {
  let built = 0;
  try {
    built = Math.min(statSync(join(dist, 'index.js')).mtimeMs, statSync(join(dist, 'index.cjs')).mtimeMs);
  } catch {
    throw new Error(`${dist} is missing: run the build first (pnpm --filter @memkit/protocol build)`);
  }
  const src = join(pkg, 'src');
  const sources = Math.max(
    ...readdirSync(src, { recursive: true }).map((f) => statSync(join(src, String(f))).mtimeMs),
  );
  if (built < sources) throw new Error(`${dist} is older than src/: rebuild before testing`);
}

const copies = mkdtempSync(join(tmpdir(), 'memkit-dual-'));
afterAll(() => rmSync(copies, { recursive: true, force: true }));

/** Runs `body` (ESM) in a child process with `esm`, `cjs`, `copyA`, `copyB` loaded; returns its JSON output. */
function runChild(body: string): Record<string, unknown> {
  const script = `
    import { createRequire } from 'node:module';
    import { pathToFileURL } from 'node:url';
    const require = createRequire(import.meta.url);
    const esm = await import(pathToFileURL(${JSON.stringify(join(dist, 'index.js'))}).href);
    const cjs = require(${JSON.stringify(join(dist, 'index.cjs'))});
    const copyA = await import(pathToFileURL(${JSON.stringify(join(copies, 'a', 'index.js'))}).href);
    const copyB = require(${JSON.stringify(join(copies, 'b', 'index.cjs'))});
    const out = {};
    ${body}
    process.stdout.write(JSON.stringify(out));
  `;
  const stdout = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  return JSON.parse(stdout) as Record<string, unknown>;
}

describe('MemkitError across the ESM and CJS builds and across copies', () => {
  requireFreshBuild();
  cpSync(dist, join(copies, 'a'), { recursive: true });
  cpSync(dist, join(copies, 'b'), { recursive: true });
  // Each copy gets the package.json `type` it needs, as an installed copy has.
  cpSync(join(pkg, 'package.json'), join(copies, 'a', 'package.json'));
  cpSync(join(pkg, 'package.json'), join(copies, 'b', 'package.json'));

  it('the builds are distinct classes, yet instanceof holds both ways', () => {
    const out = runChild(`
      out.distinct = esm.MemkitError !== cjs.MemkitError;
      const fromCjs = new cjs.MemkitError('ERR_TIMEOUT', 'x');
      const fromEsm = new esm.MemkitError('ERR_TIMEOUT', 'x');
      out.cjsIsEsm = fromCjs instanceof esm.MemkitError;
      out.esmIsCjs = fromEsm instanceof cjs.MemkitError;
      out.cjsIsError = fromCjs instanceof Error;
      out.guardEsm = esm.isMemkitError(fromCjs, 'ERR_TIMEOUT');
      out.guardCjs = cjs.isMemkitError(fromEsm);
      out.guardWrongCode = esm.isMemkitError(fromCjs, 'ERR_PROTOCOL');
      out.copies = new copyA.MemkitError('ERR_TIMEOUT', 'x') instanceof copyB.MemkitError
        && new copyB.KeyError('k') instanceof copyA.KeyError;
    `);
    expect(out).toEqual({
      distinct: true,
      cjsIsEsm: true,
      esmIsCjs: true,
      cjsIsError: true,
      guardEsm: true,
      guardCjs: true,
      guardWrongCode: false,
      copies: true,
    });
  });

  it('subclasses keep their own identity across builds', () => {
    const out = runChild(`
      const key = new cjs.KeyError('bad key');
      const proto = new esm.ProtocolError('garbage');
      out.keyIsKey = key instanceof esm.KeyError;
      out.keyIsBase = key instanceof esm.MemkitError;
      out.keyIsProtocol = key instanceof esm.ProtocolError;
      out.protoIsProto = proto instanceof cjs.ProtocolError;
      out.protoIsKey = proto instanceof cjs.KeyError;
      out.baseIsKey = new esm.MemkitError('ERR_KEY_INVALID', 'x') instanceof cjs.KeyError;
      out.plainError = new Error('x') instanceof esm.MemkitError;
      out.lookalike = ({ code: 'ERR_TIMEOUT', message: 'x' }) instanceof esm.MemkitError;
      out.nullish = esm.isMemkitError(null) || esm.isMemkitError(undefined) || esm.isMemkitError(42);
      class Mine extends esm.MemkitError {}
      out.ownSubclass = new Mine('ERR_TIMEOUT', 'x') instanceof Mine;
      out.baseIsOwnSubclass = new esm.MemkitError('ERR_TIMEOUT', 'x') instanceof Mine;
      out.ownSubclassIsBase = new Mine('ERR_TIMEOUT', 'x') instanceof cjs.MemkitError;
    `);
    expect(out).toEqual({
      keyIsKey: true,
      keyIsBase: true,
      keyIsProtocol: false,
      protoIsProto: true,
      protoIsKey: false,
      baseIsKey: false,
      plainError: false,
      lookalike: false,
      nullish: false,
      ownSubclass: true,
      baseIsOwnSubclass: false,
      ownSubclassIsBase: true,
    });
  });
});
