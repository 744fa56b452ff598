/**
 * The `memkit-server` CLI: flag parsing (pure), and the built executable
 * started as a child process, passing memccapable and stopping on SIGTERM.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCli, parseSize } from '../src/cli-args';
import { runMemccapable } from './helpers/memccapable';
import { exchange } from './helpers/wire';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const PACKAGE_VERSION = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

describe('parseCli', () => {
  it('maps memcached flags to options', () => {
    expect(parseCli(['-p', '0', '-l', '0.0.0.0', '-m', '16', '-c', '10', '-I', '2m', '-vv'])).toEqual({
      kind: 'run',
      options: {
        port: 0,
        host: '0.0.0.0',
        memoryLimitMb: 16,
        maxConnections: 10,
        maxItemSize: 2 * 1024 * 1024,
        verbose: 2,
      },
      files: {},
    });
    expect(parseCli([])).toEqual({ kind: 'run', options: { port: 11211 }, files: {} });
    expect(parseCli(['--port=1234', '--verbose'])).toEqual({
      kind: 'run',
      options: { port: 1234, verbose: 1 },
      files: {},
    });
  });

  it('accepts and ignores -U 0, -u and -t for drop-in memcached command lines', () => {
    expect(parseCli(['-U', '0', '-u', 'root', '-t', '4'])).toEqual({
      kind: 'run',
      options: { port: 11211 },
      files: {},
    });
    expect(parseCli(['-U', '11211'])).toMatchObject({ kind: 'error', message: /UDP/ });
  });

  it('reports help, version and errors', () => {
    expect(parseCli(['--help'])).toEqual({ kind: 'help' });
    expect(parseCli(['-V'])).toEqual({ kind: 'version' });
    expect(parseCli(['-x'])).toMatchObject({ kind: 'error' });
    expect(parseCli(['-p', 'abc'])).toMatchObject({ kind: 'error', message: /--port/ });
    expect(parseCli(['-I', '1g'])).toMatchObject({ kind: 'error', message: /max-item-size/ });
    expect(parseCli(['stray'])).toMatchObject({ kind: 'error' });
  });

  it('names the cluster config and auth files, and checks the auth mode', () => {
    expect(parseCli(['--cluster-config', 'nodes.txt', '-Y', 'auth', '--auth-mode', 'memcachier'])).toEqual({
      kind: 'run',
      options: { port: 11211 },
      files: { clusterConfig: 'nodes.txt', authFile: 'auth', authMode: 'memcachier' },
    });
    expect(parseCli(['--auth-mode', 'sasl', '-Y', 'a'])).toMatchObject({
      kind: 'error',
      message: /auth-mode/,
    });
    expect(parseCli(['--auth-mode', 'memcached'])).toMatchObject({
      kind: 'error',
      message: /needs --auth-file/,
    });
  });

  it('parses sizes like memcached -I', () => {
    expect(parseSize('1048576')).toBe(1048576);
    expect(parseSize('512k')).toBe(512 * 1024);
    expect(parseSize('2M')).toBe(2 * 1024 * 1024);
    expect(parseSize('1.5m')).toBeUndefined();
  });
});

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : (err.code as number), stdout, stderr });
    });
  });
}

describe('the built memkit-server executable', () => {
  let child: ChildProcess;
  let port = 0;

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run the package build first`);
    child = spawn(process.execPath, [CLI, '-p', '0', '-v'], { stdio: ['ignore', 'ignore', 'pipe'] });
    port = await new Promise<number>((resolve, reject) => {
      let err = '';
      child.stderr!.on('data', (chunk: Buffer) => {
        err += chunk.toString();
        const m = /listening on 127\.0\.0\.1:(\d+)/.exec(err);
        if (m) resolve(Number(m[1]));
      });
      child.once('exit', (code) => reject(new Error(`memkit-server exited with ${code}: ${err}`)));
    });
  });

  afterAll(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  it('serves the protocol', async () => {
    expect(await exchange(port, 'set k 0 0 2\r\nhi\r\nget k\r\n')).toBe(
      'STORED\r\nVALUE k 0 2\r\nhi\r\nEND\r\n',
    );
  });

  it('passes memccapable -a', async () => {
    const report = await runMemccapable('127.0.0.1', port);
    expect(
      [...report.results.values()].filter((v) => v !== 'pass'),
      report.output,
    ).toEqual([]);
    expect(report.results.size).toBeGreaterThanOrEqual(27);
    expect(report.code).toBe(0);
  });

  it('prints help and version, and rejects bad flags with exit code 64', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--max-item-size');
    const version = await run(['-V']);
    expect(version.stdout).toBe(`memkit-server ${PACKAGE_VERSION} (speaks memcached 1.6.18)\n`);
    expect((await run(['--version'])).stdout).toBe(version.stdout);
    const bad = await run(['--bogus']);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toContain('Usage: memkit-server');
  });

  it('exits cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
