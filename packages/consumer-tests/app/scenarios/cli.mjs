// The @memkit/cli library API: `run` of `memkit stats --json` against the real memcached, with
// the output captured through a `CliIo`.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { TIMEOUTS } from './timeouts.mjs';

export async function cliScenario({ load, memcached }) {
  const { run, ExitCode } = await load('@memkit/cli');
  let out = '';
  let err = '';
  const io = {
    out: (chunk) => {
      out += typeof chunk === 'string' ? chunk : new TextDecoder().decode(chunk);
    },
    err: (text) => {
      err += text;
    },
    stdin: new PassThrough(),
    isTTY: false,
    untilStopped: (signal) =>
      new Promise((resolve) =>
        signal?.aborted ? resolve() : signal?.addEventListener('abort', () => resolve()),
      ),
  };
  const argv = ['node', 'memkit', 'stats', '--servers', memcached, '--timeout', String(TIMEOUTS.timeout)];
  const code = await run([...argv, '--interval', '0', '--json'], io);
  assert.equal(code, ExitCode.OK, `exit code ${code}, stderr: ${err}`);
  const parsed = JSON.parse(out);
  assert.ok(JSON.stringify(parsed).includes(memcached), 'the stats name the server');
  return { bytes: out.length };
}
