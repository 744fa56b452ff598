/**
 * `npx memkit-server` stops when npx is told to stop. npm runs a bin through
 * `sh -c` and forwards SIGTERM/SIGINT to that shell only, so the server (a
 * grandchild) has to notice that its npm launcher is gone (src/launcher.ts).
 * This runs the real npx on the package's real bin from a scratch project.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../bin/memkit-server.js', import.meta.url));
const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

/** A scratch project whose node_modules/.bin has memkit-server, as after `npm install`. */
function scratchProject(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'memkit-npx-'));
  mkdirSync(path.join(dir, 'node_modules/.bin'), { recursive: true });
  symlinkSync(BIN, path.join(dir, 'node_modules/.bin/memkit-server'));
  return dir;
}

/** PIDs of live processes whose command line mentions `marker`. */
function processesMentioning(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const state = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.[0];
      if (cmdline.includes(marker) && state !== 'Z') pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

/** A process's state and command line, for a failure message. */
function describeProcess(pid: number): string {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ').slice(0, 2).join(' ');
    return `${pid} (state, ppid: ${state}): ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ')}`;
  } catch {
    return `${pid} (gone)`;
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function until(check: () => Promise<boolean> | boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

/**
 * npx's own script, run with node directly: under pnpm, `npx` on PATH would start through a
 * node version shim (`sh`), and a signal to that shell would never reach npm itself.
 */
function npxCommand(): [string, string[]] {
  const found = execFileSync('sh', ['-c', 'command -v npx'], { encoding: 'utf8' }).trim();
  const real = realpathSync(found);
  return real.endsWith('.js') ? [process.execPath, [real]] : [found, []];
}

function startViaNpx(dir: string): { npx: ChildProcess; port: Promise<number> } {
  const [command, prefix] = npxCommand();
  const npx = spawn(command, [...prefix, '--no', '--', 'memkit-server', '-p', '0', '-v'], {
    cwd: dir,
    // Its own process group, like a job in a terminal: Ctrl-C signals the whole group.
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
  const port = new Promise<number>((resolve, reject) => {
    let err = '';
    npx.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(err);
      if (m) resolve(Number(m[1]));
    });
    npx.once('exit', (code) => reject(new Error(`npx exited with ${code}: ${err}`)));
  });
  return { npx, port };
}

describe('npx memkit-server', () => {
  let dir = '';
  afterEach(() => {
    for (const pid of processesMentioning(dir)) process.kill(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  // SIGTERM to npx alone, as `kill <pid>` or a process manager sends it; SIGINT to the process
  // group, as Ctrl-C in a terminal sends it.
  for (const [signal, target] of [
    ['SIGTERM', 'npx'],
    ['SIGINT', 'group'],
  ] as const) {
    it(`stops when ${target === 'npx' ? 'npx' : "npx's process group"} gets ${signal}: the port is free and no process is left`, async () => {
      if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run the package build first`);
      dir = scratchProject();
      const { npx, port } = startViaNpx(dir);
      const listening = await port;
      expect(await accepts(listening)).toBe(true);
      expect(processesMentioning(dir).length).toBeGreaterThan(0);

      const npxExited = new Promise((resolve) => npx.once('exit', resolve));
      if (target === 'npx') npx.kill(signal);
      else process.kill(-npx.pid!, signal);
      await npxExited;
      // No process left first (then the port cannot be ours any more), then the port.
      await until(() => processesMentioning(dir).length === 0, 10_000);
      expect(processesMentioning(dir).map(describeProcess)).toEqual([]);
      expect(await until(async () => !(await accepts(listening)), 10_000), 'port still open').toBe(true);
    }, 60_000);
  }
});
