#!/usr/bin/env node
// Entry point: `node dist/simulator/bin.js [--port 4010] [...]`.
import { CommanderError } from 'commander';
import { runSimulatorCli } from './main';

runSimulatorCli(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof CommanderError) {
    // Commander already printed help or the usage error.
    process.exitCode = error.exitCode === 0 ? 0 : 2;
    return;
  }
  process.stderr.write(`simulator: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
});
