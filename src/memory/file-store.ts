import type { FailureRecord } from '../model/learning.js';
import { appendFailures, readFailures } from './attempt-log/attempt-log.js';
import { learnedFile, withFixes } from './fix-store.js';
import { withPatterns } from './patterns-store.js';
import { learnFix, markFixPrevented } from './save-fix.js';
import type { MemoryStore } from './store.js';

/** The YAML files under `<memory>/learned/`, as they always were, behind the store interface. */
export function fileStore(memoryDir: string): MemoryStore {
  const failures = learnedFile(memoryDir, 'tool_failures');
  return {
    backend: 'files',
    location: memoryDir,
    fixesLocation: learnedFile(memoryDir, 'tool_fixes'),
    patternsLocation: learnedFile(memoryDir, 'patterns'),
    attemptsLocation: failures,
    async appendAttempts(records: readonly FailureRecord[]) {
      const result = await appendFailures(failures, records);
      return result.warning ? { warning: result.warning } : {};
    },
    async readAttempts(filter = {}) {
      const log = await readFailures(failures);
      return filter.tool === undefined ? log : { ...log, records: log.records.filter((r) => r.tool === filter.tool) };
    },
    withFixes: (use) => withFixes(memoryDir, use),
    withPatterns: (use) => withPatterns(memoryDir, use),
    learnFix: (input, warnings) => learnFix(memoryDir, input, warnings),
    markFixPrevented: (tool, pattern, when, warnings) => markFixPrevented(memoryDir, tool, pattern, when, warnings),
    close: async () => undefined,
  };
}
