import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { shippedRoot } from '../project/project.js';
import type { DebugReport } from './debug-model.js';
import type { ToolDef } from '../model/tool.js';
import { debugSteps, learnFixCommand, suggestPattern } from './debug-steps.js';
import { fileStore } from '../memory/file-store.js';
import type { MemoryStore } from '../memory/store.js';
import { classifyError, formatWarning, lookupKnownIssues } from './known-issues.js';

/** Everything `aiw debug-tool` (and the `debug_tool` built-in) tells about a failing tool. */

export interface DebugInput {
  tool: ToolDef;
  errorText?: string;
  memoryDir: string;
  /** Where memory lives; the files under `memoryDir` unless given. */
  store?: MemoryStore;
  config: Record<string, unknown>;
  configFile: string;
  recent?: number;
}

/** Gather the report: definition, failure class, recent failures, known issues, and what to do next. */
export async function buildDebugReport(input: DebugInput): Promise<DebugReport> {
  const { tool, memoryDir } = input;
  const warnings: string[] = [];
  const store = input.store ?? fileStore(memoryDir);
  const log = await store.readAttempts({ tool: tool.name });
  for (const w of log.warnings) warnings.push(formatWarning(w));
  const mine = log.records;
  const recent = mine.slice(-(input.recent ?? 10)).reverse();
  const lastError = [...mine].reverse().find((r) => !r.success && r.error)?.error;
  const error = input.errorText?.trim() ? input.errorText : lastError ?? null;
  const classification = error ? classifyError(input.config, error) : null;
  const lookup = await lookupKnownIssues(store, tool.name, error ?? undefined);
  for (const w of lookup.warnings) warnings.push(w);
  const mistakes = await store.withFixes(async (table) => table.extra);
  const { location, definition } = await describeDefinition(tool);
  const pattern = error ? suggestPattern(error) : null;
  const report: DebugReport = {
    tool: tool.name, kind: tool.kind, location, definition, error,
    error_source: input.errorText?.trim() ? 'given' : error ? 'last recorded failure' : null,
    failure_class: classification?.class ?? null,
    recent_failures: recent.map((r) => ({ ...r })),
    known_issues: lookup.matches,
    steps: [],
    suggested_pattern: pattern,
    learn_fix_command: learnFixCommand(tool.name, pattern),
    warnings,
  };
  if (tool.description) report.description = tool.description;
  if (classification) report.classified_by = classification.pattern;
  report.steps = debugSteps({ tool, report, config: input.config, configFile: input.configFile, commonMistakes: mistakes.value });
  return report;
}

/** Where the tool is written and its text: the YAML block of a YAML tool, or the source lines of a built-in. */
async function describeDefinition(tool: ToolDef): Promise<{ location: { file: string; line?: number }; definition: string }> {
  if (tool.kind !== 'builtin') {
    const text = readFileSync(tool.location.file, 'utf8');
    return { location: { file: tool.location.file, line: tool.location.line }, definition: yamlBlock(text, tool.location.line ?? 1) };
  }
  const summary = [`built-in tool '${tool.name}'${tool.description ? `: ${tool.description}` : ''}`, ...Object.entries(tool.params).map(([k, p]) => `  param ${k}${p.type ? ` (${p.type})` : ''}${p.required ? ', required' : ''}${p.description ? `: ${p.description}` : ''}`)];
  const file = join(shippedRoot(), tool.location.file);
  if (!existsSync(file)) return { location: { file: tool.location.file }, definition: summary.join('\n') };
  const lines = readFileSync(file, 'utf8').split('\n');
  const at = lines.findIndex((l) => l.includes(`'${tool.name}'`) || l.includes(`"${tool.name}"`));
  if (at < 0) return { location: { file: tool.location.file }, definition: summary.join('\n') };
  const excerpt = lines.slice(Math.max(0, at - 2), at + 10).map((l, i) => `${String(Math.max(0, at - 2) + i + 1).padStart(5)} | ${l}`);
  return { location: { file: tool.location.file, line: at + 1 }, definition: [...summary, '', ...excerpt].join('\n') };
}

/** The lines of the mapping key at `line` (1-based) and everything indented under it. */
export function yamlBlock(text: string, line: number): string {
  const lines = text.split('\n');
  const start = lines[line - 1] ?? '';
  const indent = start.length - start.trimStart().length;
  let end = line;
  for (let i = line; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.trim() === '' || l.trimStart().startsWith('#')) continue;
    if (l.length - l.trimStart().length <= indent) break;
    end = i + 1;
  }
  return lines.slice(line - 1, end).join('\n');
}
