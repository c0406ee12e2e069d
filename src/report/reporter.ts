import type { EngineEvent } from '../engine/events.js';
import type { KnownIssueMatch, RunResult } from '../engine/result.js';
import { redact } from '../secrets/redact.js';

/** A consumer of engine events. Reporters only read events; they never change a run. */
export interface Reporter {
  onEvent(event: EngineEvent): void;
  /** Called once with the top-level result; reporters print outputs and summaries here. */
  finish(result: RunResult): void | Promise<void>;
}

export interface Writer {
  write(text: string): void;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const m = Math.floor(ms / 60_000);
  return `${m}m${Math.round((ms % 60_000) / 1000)}s`;
}

/** Counts for the summary line of a run, including the steps of `then` blocks. */
export function countSteps(result: RunResult): { succeeded: number; failed: number; skipped: number; healed: number } {
  const counts = { succeeded: 0, failed: 0, skipped: 0, healed: 0 };
  const walk = (steps: RunResult['steps']) => {
    for (const s of steps) {
      if (s.type === 'then' && s.steps) walk(s.steps);
      if (s.status === 'success') counts.succeeded++;
      else if (s.status === 'healed') {
        counts.healed++;
        counts.succeeded++;
      }
      else if (s.status === 'failed') counts.failed++;
      else counts.skipped++;
    }
  };
  walk(result.steps);
  return counts;
}

/** The "💡 Known Issues Found!" block, as plain lines. */
export function formatKnownIssues(matches: KnownIssueMatch[], indent = '  '): string[] {
  if (!matches.length) return [];
  const lines = [`${indent}💡 Known Issues Found!`];
  for (const m of matches) {
    const head = m.source === 'tool_fixes' ? `Previous fix for \`${m.tool_name ?? '?'}\`` : `Known pattern${m.category ? ` (${m.category})` : ''}`;
    lines.push(`${indent}- ${head}${m.pattern ? `: pattern \`${m.pattern}\`` : ''}`);
    if (m.meaning) lines.push(`${indent}    meaning: ${m.meaning}`);
    if (m.root_cause) lines.push(`${indent}    root cause: ${m.root_cause}`);
    if (m.fix) lines.push(`${indent}    fix: ${m.fix}`);
    for (const c of m.commands ?? []) lines.push(`${indent}    run: ${c}`);
    if (m.times_prevented) lines.push(`${indent}    prevented ${m.times_prevented} time${m.times_prevented === 1 ? '' : 's'} so far`);
  }
  return lines.map(redact);
}

/** A value for a person: strings as they are, everything else as indented JSON. */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') return redact(value);
  if (value === undefined) return '(undefined)';
  return redact(JSON.stringify(value, null, 2));
}
