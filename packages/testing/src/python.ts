/**
 * Running Python next to a test: the system Python with python-memcached
 * (Debian's python3-memcache), JSON in on stdin and JSON out on stdout, and
 * the Python code blocks of a README, so a documented snippet is tested as
 * written. A missing Python or module fails the test with an install hint;
 * it never skips it.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** The Python that has the memcached client modules (a pyenv `python3` on PATH may not). */
export const SYSTEM_PYTHON = '/usr/bin/python3';

/** Throws (with how to install it) unless {@link SYSTEM_PYTHON} can `import memcache`. */
export function requirePythonMemcache(): void {
  try {
    execFileSync(SYSTEM_PYTHON, ['-c', 'import memcache'], { stdio: 'ignore' });
  } catch {
    throw new Error(`${SYSTEM_PYTHON} with python-memcached is needed: apt-get install -y python3-memcache`);
  }
}

/** The first ```python block of the Markdown file at `path` (a path or a file URL). */
export function readmePython(path: string | URL): string {
  const block = /```python\n([\s\S]*?)```/.exec(readFileSync(path, 'utf8'))?.[1];
  if (block === undefined) throw new Error(`${String(path)} has no python code block`);
  return block;
}

/** Runs `script` with `input` as JSON on stdin and returns the JSON it prints. */
export function runPython<T>(script: string, input: unknown): T {
  const out = execFileSync(SYSTEM_PYTHON, ['-c', script], {
    input: JSON.stringify(input),
    encoding: 'utf8',
    timeout: 60_000,
  });
  return JSON.parse(out) as T;
}
