import { errorMessage } from '../errors/errors.js';
import type { FailureRecord, Learning, Remedy } from '../model/learning.js';
import { isoWithZone } from '../model/timestamp.js';
import { redact, redactValue } from '../secrets/redact.js';
import type { KnownIssueMatch } from '../model/run.js';
import { learnedFile } from '../memory/fix-store.js';
import { fileStore } from '../memory/file-store.js';
import type { MemoryStore } from '../memory/store.js';
import { findLearnedRemedy, lookupKnownIssues } from './known-issues.js';

export interface LearningOptions {
  /** Called once per distinct problem, as it happens (the CLI prints it on stderr). */
  onWarning?: (message: string) => void;
  now?: () => Date;
  /** Where memory lives (memory/open-store.ts); the files under `memoryDir` unless given. */
  store?: () => Promise<MemoryStore>;
}

/** Learning backed by `<memory>/learned/`, plus the problems it met (for `--json` documents). */
export interface MemoryLearning extends Learning {
  warnings(): string[];
}

/**
 * The memory the heal loop uses: the attempt log, known issues, and learned remedies. A run must
 * keep going when memory is broken, so nothing here throws for a storage problem; each problem
 * becomes a warning, passed to `onWarning` once and kept for `warnings()`.
 */
export function openLearning(memoryDir: string, options: LearningOptions = {}): MemoryLearning {
  const seen = new Set<string>();
  const warn = (message: string) => {
    const text = redact(message);
    if (seen.has(text)) return;
    seen.add(text);
    options.onWarning?.(text);
  };
  const now = options.now ?? (() => new Date());
  const failures = learnedFile(memoryDir, 'tool_failures');
  const store = options.store ?? (async () => fileStore(memoryDir));
  return {
    async recordAttempt(record: FailureRecord): Promise<void> {
      try {
        const result = await (await store()).appendAttempts([record]);
        if (result.warning) warn(result.warning);
      } catch (err) {
        warn(`attempt of ${record.tool} not recorded in ${failures}: ${errorMessage(err)}`);
      }
    },
    async knownIssues(tool: string | undefined, errorText: string | undefined): Promise<KnownIssueMatch[]> {
      try {
        const result = await lookupKnownIssues(await store(), tool, errorText);
        result.warnings.forEach(warn);
        return redactValue(result.matches);
      } catch (err) {
        warn(`known issues could not be looked up in ${memoryDir}: ${errorMessage(err)}`);
        return [];
      }
    },
    async findRemedy(tool: string, errorText: string): Promise<Remedy | undefined> {
      const warnings: string[] = [];
      try {
        const fix = await findLearnedRemedy(await store(), tool, errorText, warnings);
        if (!fix?.remedy) return undefined;
        return { tool: fix.remedy.tool, args: fix.remedy.args, fixTool: fix.tool_name, pattern: fix.error_pattern };
      } catch (err) {
        warn(`learned remedies could not be looked up in ${memoryDir}: ${errorMessage(err)}`);
        return undefined;
      } finally {
        warnings.forEach(warn);
      }
    },
    async markPrevented(remedy: Remedy): Promise<void> {
      const warnings: string[] = [];
      try {
        const count = await (await store()).markFixPrevented(remedy.fixTool, remedy.pattern, isoWithZone(now()), warnings);
        if (count === null) warn(`the fix for ${remedy.fixTool} ('${remedy.pattern}') is no longer in ${learnedFile(memoryDir, 'tool_fixes')}; times_prevented not counted`);
      } catch (err) {
        warn(`times_prevented of the fix for ${remedy.fixTool} ('${remedy.pattern}') not counted: ${errorMessage(err)}`);
      } finally {
        warnings.forEach(warn);
      }
    },
    warnings: () => [...seen],
  };
}

/**
 * The attempt log's entry for an engine record. The log has no nulls for skill, step or error
 * (a call from `aiw tool` has no skill): such keys are left out. A learned remedy is a fix.
 */
