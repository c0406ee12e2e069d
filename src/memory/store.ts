import type { FailureRecord } from '../model/learning.js';
import type { ReadFailuresResult } from './attempt-log/attempt-log.js';
import type { Table } from './cache-table.js';
import type { ToolFix } from './fix-store.js';
import type { PatternEntry } from './patterns-store.js';
import type { LearnFixInput, LearnFixResult } from './save-fix.js';

/**
 * Memory behind one interface: what learn/ needs, whatever holds it. `files` (the default) is the
 * YAML under `<memory>/learned/`; `postgres` is a database every runner shares. Both give the same
 * records, tables and results, so every command prints the same shapes whatever the backend.
 */
export interface MemoryStore {
  readonly backend: 'files' | 'postgres';
  /** Where the memory lives, for messages: a folder, or the database URL with its password masked. */
  readonly location: string;
  /** Where fixes, patterns and attempts live, for messages (`file` or `postgres … (aiw_fixes)`). */
  readonly fixesLocation: string;
  readonly patternsLocation: string;
  readonly attemptsLocation: string;
  /** Append attempt records; a problem that did not lose them (sidecar, spool) comes back as a warning. */
  appendAttempts(records: readonly FailureRecord[]): Promise<{ warning?: string }>;
  /** Every attempt, oldest first (optionally one tool's), with a warning per entry that could not be read. */
  readAttempts(filter?: { tool?: string }): Promise<ReadFailuresResult>;
  /** The learned fixes as a lookup table. */
  withFixes<T>(use: (table: Table<ToolFix>) => Promise<T>): Promise<{ value: T; cacheWarning?: string }>;
  /** The known error patterns as a lookup table. */
  withPatterns<T>(use: (table: Table<PatternEntry>) => Promise<T>): Promise<{ value: T; cacheWarning?: string }>;
  /** Save a fix: an upsert on tool + pattern (see save-fix.ts for the rules). */
  learnFix(input: LearnFixInput, warnings?: string[]): Promise<LearnFixResult>;
  /** `times_prevented` + 1 for the fix of `tool` with `pattern`; the new count, or null when it is gone. */
  markFixPrevented(tool: string, pattern: string, when: string, warnings?: string[]): Promise<number | null>;
  /** Release connections (a no-op for files). */
  close(): Promise<void>;
}
