/**
 * Preloaded into the measured client (`node --require …/exit-report.js bin/mwbatch.js submit …`). When the process
 * exits it writes its own peak resident set (VmHWM) and CPU time to $MWBATCH_BENCH_REPORT: the exact values, which
 * a poll of /proc from outside can miss in the last moments before exit.
 */
import { readFileSync, writeFileSync } from 'node:fs';

const reportPath = process.env.MWBATCH_BENCH_REPORT;
if (reportPath) {
  process.on('exit', () => {
    const hwm = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    const cpu = process.cpuUsage();
    const report = { hwmKb: Number(hwm?.[1] ?? 0), cpuMs: (cpu.user + cpu.system) / 1000 };
    writeFileSync(reportPath, JSON.stringify(report));
  });
}
