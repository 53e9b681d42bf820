#!/usr/bin/env node
// The installed `mwbatch` command: runs the compiled CLI (npm run build writes dist/).
// First, before any module is loaded: `worker` and `dev` restart themselves once with the memory settings only a new
// process can get, and the client's young generation stays small (dist/worker/heap.js says why for both).
// On Node 22.8 and later, V8's compiled code of the modules is kept between runs (in os.tmpdir()/node-compile-cache,
// or NODE_COMPILE_CACHE; checked against each file's content; NODE_DISABLE_COMPILE_CACHE=1 turns it off): every
// command, and a worker's start, is ~0.18 s quicker on Node 24 (bench/startup.ts). Where the folder cannot be
// written the command runs as before, without it. Node 20 has no such cache.
require('node:module').enableCompileCache?.();
const heap = require('../dist/worker/heap.js');
heap.restartWorkerWithStartSettings(process.argv);
heap.keepYoungGenerationSmall();
require('../dist/cli/main.js').main(process.argv);
