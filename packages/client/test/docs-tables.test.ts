/**
 * The README's option and error tables and the `ClientOptions` interface are
 * generated from the option table and `MEMKIT_ERROR_CODES`; this fails when
 * they are stale. `pnpm --filter @memkit/client docs:tables` regenerates them
 * (it runs this file with MEMKIT_WRITE_DOCS=1).
 */
import { describe, expect, it } from 'vitest';
import { regenerate, writeGenerated } from './helpers/doc-tables';

describe('generated docs', () => {
  if (process.env.MEMKIT_WRITE_DOCS === '1') {
    it('writes the generated sections', () => {
      const changed = writeGenerated();
      console.log(changed.length ? `updated ${changed.join(', ')}` : 'already up to date');
      expect(regenerate().every((f) => f.current === f.expected)).toBe(true);
    });
    return;
  }
  for (const { file, current, expected } of regenerate()) {
    it(`${file} matches the option table and the error codes`, () => {
      // On failure: pnpm --filter @memkit/client docs:tables
      expect(current).toBe(expected);
    });
  }
});
