#!/usr/bin/env node
/**
 * The `memkit` executable: runs the CLI on the process's arguments and
 * streams, then exits with its code once output is flushed.
 */
import { run } from './program';

// `memkit keys | head` closes the pipe early: that is the reader being done, not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

run(process.argv).then((code) => {
  process.exitCode = code;
});
