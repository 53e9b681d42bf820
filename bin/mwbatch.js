#!/usr/bin/env node
// The installed `mwbatch` command: runs the compiled CLI (npm run build writes dist/).
require('../dist/client/cli.js').main(process.argv);
