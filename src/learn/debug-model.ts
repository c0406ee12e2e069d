import type { KnownIssueMatch } from '../model/run.js';
import type { ToolDef } from '../model/tool.js';

/** What `aiw debug-tool` and the `debug_tool` tool find out about a failing tool. */
export interface DebugReport {
  tool: string;
  kind: ToolDef['kind'];
  description?: string;
  location: { file: string; line?: number };
  definition: string;
  error: string | null;
  /** 'given', or 'last recorded failure' when no error text was passed and the log had one. */
  error_source: 'given' | 'last recorded failure' | null;
  failure_class: string | null;
  classified_by?: string;
  recent_failures: Array<Record<string, unknown>>;
  known_issues: KnownIssueMatch[];
  steps: string[];
  suggested_pattern: string | null;
  learn_fix_command: string;
  warnings: string[];
}
