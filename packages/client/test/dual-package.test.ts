/**
 * The client's errors survive the dual-package hazard too: with the ESM and
 * CJS builds of @memkit/client loaded in one process (each bringing its own
 * @memkit/protocol build), an error raised by one build is `instanceof` the
 * classes exported by the other. Checked in a child process on the built files.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const builds = { esm: join(root, 'dist', 'index.js'), cjs: join(root, 'dist', 'index.cjs') };

describe('client errors across the ESM and CJS builds', () => {
  it('the builds are current', () => {
    const srcDir = join(root, 'src');
    const newestSource = Math.max(
      ...readdirSync(srcDir, { recursive: true }).map((f) => statSync(join(srcDir, String(f))).mtimeMs),
    );
    for (const file of Object.values(builds)) {
      // A stale or missing dist would make the next test check old code: build first.
      expect(statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0, file).toBeGreaterThanOrEqual(
        newestSource,
      );
    }
  });

  it('MemkitError, UnserializableError and isMemkitError agree across builds', () => {
    const program = `
      import { createRequire } from 'node:module';
      const esm = await import(${JSON.stringify(`file://${builds.esm}`)});
      const cjs = createRequire(import.meta.url)(${JSON.stringify(builds.cjs)});
      const thrown = (fn) => { try { fn(); } catch (e) { return e; } };
      const badServer = thrown(() => cjs.parseServer('host:port'));
      const pickle = thrown(() => esm.createDefaultSerializer().deserialize(Buffer.from('x'), 1));
      const result = {
        twoClasses: esm.MemkitError !== cjs.MemkitError && esm.Client !== cjs.Client,
        cjsErrorIsEsmMemkitError: badServer instanceof esm.MemkitError,
        cjsErrorGuard: esm.isMemkitError(badServer, badServer.code),
        esmUnserializableIsCjs: pickle instanceof cjs.UnserializableError,
        esmUnserializableIsCjsBase: pickle instanceof cjs.MemkitError,
        cjsBaseIsNotUnserializable: badServer instanceof esm.UnserializableError,
        codes: [badServer.code, pickle.code],
      };
      console.log(JSON.stringify(result));
    `;
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', program], {
      encoding: 'utf8',
    });
    expect(JSON.parse(output)).toEqual({
      twoClasses: true,
      cjsErrorIsEsmMemkitError: true,
      cjsErrorGuard: true,
      esmUnserializableIsCjs: true,
      esmUnserializableIsCjsBase: true,
      cjsBaseIsNotUnserializable: false,
      codes: ['ERR_INVALID_ARGUMENT', 'ERR_UNSERIALIZABLE'],
    });
  });
});
