/**
 * Runs libmemcached's conformance tester `memccapable -a` against a server
 * and parses its report (test names on stdout, verdicts on stderr).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Where CI installs it (Debian's libmemcached-tools). */
export const MEMCCAPABLE = process.env.MEMCCAPABLE_BIN ?? '/usr/bin/memccapable';

/**
 * Throws when the tester is not installed: the conformance tests must fail
 * then, never pass by skipping (a CI without it would prove nothing).
 */
export function requireMemccapable(): void {
  if (!existsSync(MEMCCAPABLE)) {
    throw new Error(
      `memccapable not found at ${MEMCCAPABLE}: install libmemcached-tools (apt-get install -y libmemcached-tools) or set MEMCCAPABLE_BIN`,
    );
  }
}

/** The parsed outcome of one run. */
export interface MemccapableReport {
  code: number | null;
  /** Test name → verdict (`pass`, `FAIL`, `skip`). */
  results: Map<string, string>;
  output: string;
}

/** Runs `memccapable -a -h host -p port` (fails when it is not installed). */
export function runMemccapable(host: string, port: number): Promise<MemccapableReport> {
  requireMemccapable();
  return new Promise((resolve) => {
    execFile(
      MEMCCAPABLE,
      ['-a', '-t', '5', '-h', host, '-p', String(port)],
      { timeout: 60_000 },
      (err, stdout, stderr) => {
        // libmemcached 1.1 prints "<name padded to 40>[pass]" per line on stdout; older
        // builds print the verdict on stderr, so pair names and verdicts up in order.
        const names = [...stdout.matchAll(/ascii .+?(?= {2,}|\[|$)/gm)].map((m) => m[0].trim());
        const verdicts = [...`${stdout}\n${stderr}`.matchAll(/\[(pass|FAIL|skip)\]/g)].map((m) => m[1]!);
        const results = new Map<string, string>();
        names.forEach((name, i) => {
          results.set(name, verdicts[i] ?? 'missing');
        });
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
        resolve({ code, results, output: `${stdout}\n${stderr}` });
      },
    );
  });
}
