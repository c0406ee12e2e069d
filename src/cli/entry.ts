// The CLI bundle's entry (dist/main.cjs), loaded by dist/aiw.cjs (src/cli/boot.ts) with its code cache.
import { processIo } from './io.js';
import { run } from './main.js';

void run(process.argv.slice(2), processIo()).then((code) => {
  process.exitCode = code;
});
