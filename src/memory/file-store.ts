import type { FailureRecord } from '../model/learning.js';
import { learnedFile, withFixes } from './fix-store.js';
import { withPatterns } from './patterns-store.js';
import type { MemoryStore } from './store.js';

/**
 * The YAML files under `<memory>/learned/`, as they always were, behind the store interface. The
 * attempt log's and learn-fix's modules load when first used, so a command that only looks things up
 * (`aiw known-issues`) loads what it loaded before the interface existed.
 */
export function fileStore(memoryDir: string): MemoryStore {
  const failures = learnedFile(memoryDir, 'tool_failures');
  return {
    backend: 'files',
    location: memoryDir,
    fixesLocation: learnedFile(memoryDir, 'tool_fixes'),
    patternsLocation: learnedFile(memoryDir, 'patterns'),
    attemptsLocation: failures,
    async appendAttempts(records: readonly FailureRecord[]) {
      const { appendFailures } = await import('./attempt-log/attempt-log.js');
      const result = await appendFailures(failures, records);
      return result.warning ? { warning: result.warning } : {};
    },
    async readAttempts(filter = {}) {
      const { readFailures } = await import('./attempt-log/attempt-log.js');
      const log = await readFailures(failures);
      return filter.tool === undefined ? log : { ...log, records: log.records.filter((r) => r.tool === filter.tool) };
    },
    withFixes: (use) => withFixes(memoryDir, use),
    withPatterns: (use) => withPatterns(memoryDir, use),
    learnFix: async (input, warnings) => (await import('./save-fix.js')).learnFix(memoryDir, input, warnings),
    markFixPrevented: async (tool, pattern, when, warnings) => (await import('./save-fix.js')).markFixPrevented(memoryDir, tool, pattern, when, warnings),
    close: async () => undefined,
  };
}
