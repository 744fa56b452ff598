/**
 * Stops `memkit-server` when the `npx` / `npm exec` that started it exits.
 *
 * npm runs a package's bin through `sh -c`, and on SIGTERM or SIGINT it signals only that shell
 * and then exits: the server, a grandchild, never hears of it and would keep the port as an
 * orphan. So when an npm process is among the server's nearest ancestors, the server watches it
 * and shuts down as if signalled once it is gone. Started any other way (a shell, a process
 * manager, `nohup`), the server ignores its ancestors and only obeys signals.
 */
import { readFileSync } from 'node:fs';
import process from 'node:process';

/** How many ancestors up to look for npm (sh -c, a node version shim, then npm). */
const MAX_DEPTH = 4;
const POLL_MS = 500;

interface ProcInfo {
  ppid: number;
  cmdline: string;
}

function procInfo(pid: number): ProcInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: fields resume after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
    return { ppid, cmdline };
  } catch {
    return undefined;
  }
}

/** npm names its process after the command (`npm exec …`); npx runs as `npx` or `npm exec`. */
function isNpm(cmdline: string): boolean {
  return /^(npm|npx)(\s|$)/.test(cmdline) || /\/(npm|npx)(-cli\.js)?(\s|$)/.test(cmdline);
}

/** The PID of the npm process that launched this one, if npm is among the nearest ancestors. */
export function findNpmLauncher(): number | undefined {
  let pid = process.ppid;
  for (let depth = 0; depth < MAX_DEPTH && pid > 1; depth++) {
    const info = procInfo(pid);
    if (info === undefined) return undefined;
    if (isNpm(info.cmdline)) return pid;
    pid = info.ppid;
  }
  return undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Calls `onGone` once when the npm launcher (`launcher`, found at the start: see
 * {@link findNpmLauncher}) exits, or at the first poll if it is already gone. Does nothing when
 * there is none. The timer is
 * unref'd: it never keeps the process alive by itself. Returns a function that stops watching.
 */
export function watchNpmLauncher(onGone: () => void, launcher = findNpmLauncher()): () => void {
  if (launcher === undefined) return () => {};
  const timer = setInterval(() => {
    if (alive(launcher)) return;
    clearInterval(timer);
    onGone();
  }, POLL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
