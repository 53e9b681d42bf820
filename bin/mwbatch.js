#!/usr/bin/env node
// The installed `mwbatch` command: runs the compiled CLI (npm run build writes dist/).
require('../dist/cli/main.js').main(process.argv);
