#!/usr/bin/env node
// The installed `mwbatch` command: runs the compiled CLI (npm run build writes dist/).
// First, before any module is loaded: `worker` and `dev` restart themselves once with the memory settings only a new
// process can get, and the client's young generation stays small (dist/worker/heap.js says why for both).
const heap = require('../dist/worker/heap.js');
heap.restartWorkerWithStartSettings(process.argv);
heap.keepYoungGenerationSmall();
require('../dist/cli/main.js').main(process.argv);
