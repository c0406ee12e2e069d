// The CLI bundle's entry (dist/main.cjs), loaded by dist/aiw.cjs (src/cli/boot.ts) with its code cache.
import { processIo } from './io.js';
import { run } from './main.js';
import { nothingLeftToRun } from './exit-now.js';

void run(process.argv.slice(2), processIo()).then((code) => {
  process.exitCode = code;
  // Left to itself, Node waits for the loop to empty and then tears the whole heap down (~3 ms of a
  // 1-step run). When nothing but idle stdio is left, there is nothing to wait for: exit now. The
  // 'exit' handlers still run (the last output lines, the code cache).
  if (nothingLeftToRun(process.getActiveResourcesInfo())) process.exit();
});
