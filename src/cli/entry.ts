import { setFlagsFromString } from 'node:v8';
import { processIo } from './io.js';
import { run } from './main.js';

// A safety net under the catastrophic-regex check: a regex that still backtracks excessively falls
// back to V8's linear-time engine instead of hanging the run. Set before any pattern is compiled.
setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');

process.exitCode = await run(process.argv.slice(2), processIo());
