#!/usr/bin/env node
// The installed `mwbatch` command: runs the compiled CLI (npm run build writes dist/).
// First, before any module is loaded: the client's young generation stays small (dist/worker/heap.js says why).
require('../dist/worker/heap.js').keepYoungGenerationSmall();
require('../dist/cli/main.js').main(process.argv);
