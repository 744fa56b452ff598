/**
 * The executables as a user runs them from the consumer project with npx, on the machine's Node:
 * `memkit --help`, `memkit stats` against the real memcached, and `memkit-server` started, used
 * and stopped with SIGTERM sent to npx (as a process manager would), after which the port must be
 * free and no memkit-server process left behind.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { getFreePort, rawCommand } from '@memkit/testing';
import { expect, inject, test } from 'vitest';
import { describeFailure, exec } from '../src/exec';
import { scenarioEnv } from '../src/run-consumer';

const manifest = inject('consumer');

function setup() {
  const project = manifest.projects.find((p) => p.name === 'newest');
  const node20 = manifest.runtimes.find((r) => (r.ok ? r.runtime.name : r.name) === 'node20');
  if (project === undefined) throw new Error('the newest project was not prepared');
  if (node20 === undefined || !node20.ok)
    throw new Error(`Node 20 is not available: ${node20?.ok === false ? node20.error : ''}`);
  return { project, env: scenarioEnv(manifest.servers, node20.runtime) };
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Pids of live processes whose command line mentions memkit-server and `port`. */
function serverProcesses(port: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (args.some((a) => a.includes('memkit-server')) && args.includes(String(port)))
        out.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

test('npx memkit --help prints the usage', async () => {
  const { project, env } = setup();
  const r = await exec('npx', ['--no-install', 'memkit', '--help'], {
    cwd: project.dir,
    env,
    timeoutMs: 60_000,
  });
  expect(r.code, describeFailure('npx memkit --help', r)).toBe(0);
  expect(r.stdout).toContain('Usage: memkit');
  expect(r.stdout).toContain('stats');
});

test('npx memkit stats shows the real memcached', async () => {
  const { project, env } = setup();
  const args = [
    '--no-install',
    'memkit',
    'stats',
    '--servers',
    manifest.servers.tcp,
    '--interval',
    '0',
    '--timeout',
    '15000',
  ];
  const r = await exec('npx', args, { cwd: project.dir, env, timeoutMs: 60_000 });
  expect(r.code, describeFailure('npx memkit stats', r)).toBe(0);
  expect(r.stdout).toContain(manifest.servers.tcp);
  expect(r.stdout).toContain('1.6.');
});

test('npx memkit-server serves, then stops on SIGTERM to npx and leaves no process behind', async () => {
  const { project, env } = setup();
  const port = await getFreePort();
  const child = spawn('npx', ['--no-install', 'memkit-server', '-p', String(port), '-l', '127.0.0.1'], {
    cwd: project.dir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (b: Buffer) => {
    output += b.toString();
  });
  child.stderr.on('data', (b: Buffer) => {
    output += b.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  try {
    await until(`memkit-server answered on ${port}`, () => portAnswers(port), 30_000);
    const target = { host: '127.0.0.1', port };
    expect(await rawCommand(target, 'set consumer 0 0 5\r\nhello\r\n')).toBe('STORED\r\n');
    expect(await rawCommand(target, 'get consumer\r\n')).toBe('VALUE consumer 0 5\r\nhello\r\nEND\r\n');

    child.kill('SIGTERM');
    const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 15_000));
    const ended = await Promise.race([exited, timeout]);
    expect(ended, `npx did not exit on SIGTERM; output:\n${output}`).not.toBe('timeout');
    await until(`port ${port} free after SIGTERM`, async () => !(await portAnswers(port)), 5_000);
    // The listener closes just before the process exits: allow a moment for it to be gone.
    await until(
      'no memkit-server process left behind',
      async () => serverProcesses(port).length === 0,
      5_000,
    );
  } finally {
    child.kill('SIGKILL');
    // Never leave an orphan on the machine, even when the assertions above failed.
    for (const pid of serverProcesses(port)) process.kill(pid, 'SIGKILL');
  }
});
