#!/usr/bin/env node
// The `memkit-server` executable. It is a checked-in file rather than a build output so that
// package managers can link it on a fresh install, before anything is built; the code it runs is
// the build's dist/cli.js.
import '../dist/cli.js';
