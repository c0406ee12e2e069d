// The memory writers and readers the crash-test writers use, bundled to plain ESM by bundle.ts so
// a plain `node` process (Node 20 cannot load TypeScript) can import them.
export { appendFailures, readFailures } from '../../../src/memory/attempt-log/attempt-log.js';
export { learnFix, markFixPrevented } from '../../../src/memory/save-fix.js';
