#!/usr/bin/env node
/**
 * The `memkit` executable: runs the CLI on the process's arguments and
 * streams, then exits with its code once output is flushed.
 */
import { run } from './program';

run(process.argv).then((code) => {
  process.exitCode = code;
});
