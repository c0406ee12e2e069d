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
  // Else Node still lists work: a child, a socket, a timer, or a file request that has finished but
  // stays listed until garbage collected (every promise-based read or write does). Once the loop is
  // empty nothing is left at all, and exiting then skips the teardown just the same.
  else process.once('beforeExit', () => process.exit());
});
