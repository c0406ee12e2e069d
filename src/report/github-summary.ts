import type { KnownIssueMatch, RunResult, StepResult } from '../model/run.js';
import { redact } from '../secrets/redact.js';
import { countSteps, formatDuration } from './reporter.js';
import { flattenSteps, truncate, type StepLog } from './step-log.js';
import { displayPath } from './display-path.js';
import { printable } from './terminal-text.js';

/** GitHub caps a step summary at 1 MiB; these keep one run's section far below that. */
const MAX_ROWS = 300;
const MAX_FAILURES = 20;
const MAX_ERROR = 4000;
const MAX_OUTPUT = 20_000;

const STATUS: Record<StepResult['status'], string> = { success: '✅ success', healed: '🩹 healed', failed: '❌ failed', skipped: '⏭️ skipped' };
const TOLERATED = '⚠️ failed, tolerated';
const HEADLINE: Record<RunResult['status'], string> = { success: '✅', partial: '⚠️', failed: '❌' };

/**
 * The Markdown section `aiw run` appends to `$GITHUB_STEP_SUMMARY`: a table of steps, then the
 * failures, heals and known issues. Several runs in one job step each append their own section.
 */
export function summaryMarkdown(result: RunResult, log: StepLog, cwd: string): string {
  const flat = flattenSteps(result, log);
  const c = countSteps(result);
  const lines = [
    `## ${HEADLINE[result.status]} aiw run ${code(result.skill)}: ${result.status}`,
    '',
    `${c.succeeded} succeeded${c.healed ? ` (${c.healed} healed)` : ''}, ${c.failed} failed, ${c.skipped} skipped in ${formatDuration(result.duration_ms)} · run ${code(result.run_id)} · ${code(displayPath(result.file, cwd))}`,
    '',
  ];
  if (result.error) lines.push(`> ${cell(firstLineOf(result.error.step ? `step '${result.error.step}' failed: ${result.error.message}` : result.error.message))}`, '');
  lines.push('| Step | Status | Duration | Attempts |', '| --- | --- | ---: | ---: |');
  for (const { path, step } of flat.slice(0, MAX_ROWS)) {
    const skipped = step.status === 'skipped';
    lines.push(`| ${code(path).replace(/\|/g, '\\|')} | ${step.tolerated ? TOLERATED : STATUS[step.status]} | ${skipped ? '–' : formatDuration(step.duration_ms)} | ${skipped ? '–' : (step.attempts ?? 1)} |`);
  }
  if (flat.length > MAX_ROWS) lines.push(`| … ${flat.length - MAX_ROWS} more steps | | | |`);

  lines.push(...outputsMarkdown(result));

  const failed = flat.filter((f) => f.step.status === 'failed');
  if (failed.length) lines.push('', '### Failures');
  for (const f of failed.slice(0, MAX_FAILURES)) {
    const at = `${displayPath(f.file, cwd)}${f.step.line ? `:${f.step.line}` : ''}`;
    lines.push('', `**${code(f.path)}**${f.step.tolerated ? ' (tolerated)' : ''} at ${code(at)}${f.step.classification ? `, classified as ${code(f.step.classification.class)}` : ''}`, '', fence(truncate(f.step.error?.message ?? 'failed', MAX_ERROR)));
  }
  if (failed.length > MAX_FAILURES) lines.push('', `… and ${failed.length - MAX_FAILURES} more failed steps`);

  const heals = flat.flatMap((f) => (f.step.heals ?? []).map((h) => ({ path: f.path, h })));
  if (heals.length) lines.push('', '### Heals', '');
  for (const { path, h } of heals.slice(0, MAX_ROWS)) {
    lines.push(`- ${code(path)}: ${code(h.class)} → ${code(h.fix)}${h.source ? ` (${h.source})` : ''}: ${h.fix_success ? 'fixed' : `fix failed${h.error ? `: ${cell(firstLineOf(h.error))}` : ''}`}`);
  }

  const known = flat.filter((f) => f.step.known_issues?.length);
  if (known.length) lines.push('', '### Known issues');
  for (const f of known.slice(0, MAX_FAILURES)) {
    lines.push('', `**${code(f.path)}**`, '', ...f.step.known_issues!.map(knownIssue));
  }
  return `${redact(printable(lines.join('\n')))}\n\n`;
}

/**
 * The skill's report: what it printed at the end (its outputs, or the value of a `return:`), so the
 * job's summary page shows the answer and not only which steps ran. Strings are Markdown written by
 * the skill (a report template), shown as such; other values as JSON in a fenced block.
 */
function outputsMarkdown(result: RunResult): string[] {
  const entries: Array<[string, unknown]> = Object.entries(result.outputs);
  if (result.returned !== undefined) entries.push(['returned', result.returned]);
  if (!entries.length) return [];
  const lines = ['', '### Outputs'];
  for (const [name, value] of entries.slice(0, MAX_ROWS)) {
    const text = typeof value === 'string' ? value : JSON.stringify(value, null, 2) ?? 'undefined';
    lines.push('', `**${code(name)}**`, '', typeof value === 'string' ? quoteBlock(truncate(text, MAX_OUTPUT)) : fence(truncate(text, MAX_OUTPUT), 'json'));
  }
  return lines;
}

/** Markdown from the skill, kept as Markdown but inside a block quote, with raw HTML shown as text. */
function quoteBlock(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').split('\n').map((l) => `> ${l}`).join('\n');
}

function knownIssue(m: KnownIssueMatch): string {
  const head = m.source === 'tool_fixes' ? `previous fix for ${code(m.tool_name ?? '?')}` : `known pattern${m.category ? ` (${m.category})` : ''}`;
  const parts = [`- ${head}${m.pattern ? `: ${code(m.pattern)}` : ''}`];
  if (m.meaning) parts.push(`  - meaning: ${cell(m.meaning)}`);
  if (m.root_cause) parts.push(`  - root cause: ${cell(m.root_cause)}`);
  if (m.fix) parts.push(`  - fix: ${cell(m.fix)}`);
  for (const c of m.commands ?? []) parts.push(`  - run: ${code(c)}`);
  if (m.times_prevented) parts.push(`  - prevented ${m.times_prevented} time${m.times_prevented === 1 ? '' : 's'} so far`);
  return parts.join('\n');
}

function firstLineOf(text: string): string {
  return text.split('\n').find((l) => l.trim()) ?? '';
}

/** Text inside one line of Markdown (a table cell, a list item): no line breaks, no raw HTML, no table pipes. */
function cell(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '\\|');
}

/** An inline code span that survives backticks in the text (the fence is longer than any run inside). */
function code(text: string): string {
  const flat = text.replace(/\r?\n/g, ' ');
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((r) => r.length));
  const ticks = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${ticks}${pad}${flat}${pad}${ticks}`;
}

/** A fenced block whose fence no line of the text can close early. */
function fence(text: string, lang = 'text'): string {
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((r) => r.length));
  const ticks = '`'.repeat(longest + 1);
  return `${ticks}${lang}\n${text}\n${ticks}`;
}
