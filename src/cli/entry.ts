import { setFlagsFromString } from 'node:v8';
import { aiwVersion } from './version.js';

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  // Answered before commander and the rest of the CLI load: scripts call this in loops.
  process.stdout.write(`${aiwVersion()}\n`);
} else {
  // A safety net under the catastrophic-regex check: a regex that still backtracks excessively falls
  // back to V8's linear-time engine instead of hanging the run. Set before any pattern is compiled.
  setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');
  const [{ processIo }, { run }] = await Promise.all([import('./io.js'), import('./main.js')]);
  process.exitCode = await run(argv, processIo());
}
