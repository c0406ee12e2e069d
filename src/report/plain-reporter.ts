import type { EngineEvent } from '../model/events.js';
import type { RunResult } from '../model/run.js';
import { redact } from '../secrets/redact.js';
import { countSteps, formatDuration, formatValue, type Reporter, type Writer } from './reporter.js';
import { formatKnownIssues } from '../learn/known-issue-text.js';
import { printable, stripAnsi } from './terminal-text.js';

export interface Paint {
  ok(s: string): string;
  bad(s: string): string;
  warn(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

export const noPaint: Paint = { ok: (s) => s, bad: (s) => s, warn: (s) => s, dim: (s) => s, bold: (s) => s };

/**
 * One line per event, written as it happens, with the elapsed time: what a CI log needs. No cursor
 * movement, no spinner; colour only when the caller passes a painter (FORCE_COLOR).
 */
export class PlainReporter implements Reporter {
  private readonly started = performance.now();

  private readonly out: Writer;
  /** Open then blocks: their steps share the skill's depth, but read better indented under them. */
  private thens = 0;

  constructor(out: Writer, private readonly paint: Paint = noPaint, private readonly showOutputs = true) {
    // Without colour the log must hold no escape codes at all, tool output's own colours included.
    this.out = paint === noPaint ? { write: (text) => out.write(stripAnsi(text)) } : out;
  }

  private line(depth: number, text: string): void {
    const t = ((performance.now() - this.started) / 1000).toFixed(2).padStart(7);
    this.out.write(`${this.paint.dim(`[${t}s]`)} ${'  '.repeat(depth + this.thens)}${redact(text)}\n`);
  }

  onEvent(e: EngineEvent): void {
    switch (e.kind) {
      case 'run-start':
        this.line(e.depth, `${this.paint.bold(`skill ${e.skill}`)}${e.depth ? '' : ` (run ${e.runId})`}`);
        break;
      case 'step-start':
        this.line(e.depth, `▶ ${e.step} (${e.type})`);
        if (e.type === 'then') this.thens++;
        break;
      case 'step-end': {
        const r = e.result;
        if (r.type === 'then') this.thens = Math.max(0, this.thens - 1);
        const status = r.status === 'failed' ? this.paint.bad('failed') : r.status === 'healed' ? this.paint.warn('healed') : r.status === 'skipped' ? this.paint.dim('skipped') : this.paint.ok('success');
        const attempts = r.attempts && r.attempts > 1 ? `, ${r.attempts} attempts` : '';
        this.line(e.depth, `${r.status === 'failed' ? '✖' : r.status === 'skipped' ? '-' : '✔'} ${r.name} ${status} (${formatDuration(r.duration_ms)}${attempts})`);
        if (r.error) for (const l of printable(redact(r.error)).split('\n').slice(0, 12)) this.line(e.depth + 2, l);
        break;
      }
      case 'attempt-failed':
        this.line(e.depth + 1, `attempt ${e.attempt}/${e.maxAttempts} of ${e.tool} failed${e.failureClass ? ` [${e.failureClass}: matched '${e.pattern}']` : ''}`);
        break;
      case 'heal':
        this.line(e.depth + 1, `heal ${e.heal.class} → ${e.heal.fix}${e.heal.source === 'shared' ? ' (already fixed in this run)' : ''}: ${e.heal.fix_success ? this.paint.ok('fixed') : this.paint.bad(`failed${e.heal.error ? `: ${e.heal.error}` : ''}`)}`);
        break;
      case 'retry':
        this.line(e.depth + 1, `retrying ${e.tool}: attempt ${e.attempt}/${e.maxAttempts} in ${formatDuration(e.delayMs)}`);
        break;
      case 'known-issues':
        for (const l of formatKnownIssues(e.matches, '')) this.line(e.depth + 1, l);
        break;
      case 'warning':
        this.line(0, this.paint.warn(`warning: ${e.message}`));
        break;
      case 'run-end':
        break;
    }
  }

  finish(result: RunResult): void {
    if (this.showOutputs) writeOutputs(this.out, result, this.paint);
    const c = countSteps(result);
    const status = result.status === 'failed' ? this.paint.bad('FAILED') : result.status === 'partial' ? this.paint.warn('PARTIAL') : this.paint.ok('SUCCESS');
    this.out.write(`${status} ${result.skill} in ${formatDuration(result.duration_ms)}: ${c.succeeded} succeeded${c.healed ? ` (${c.healed} healed)` : ''}, ${c.failed} failed, ${c.skipped} skipped\n`);
    if (result.error) this.out.write(`${redact(result.error)}\n`);
  }
}

export function writeOutputs(out: Writer, result: RunResult, paint: Paint): void {
  const entries = Object.entries(result.outputs);
  if (result.returned !== undefined) entries.push(['returned', result.returned]);
  if (!entries.length) return;
  out.write(`\n${paint.bold('Outputs')}\n`);
  for (const [name, value] of entries) {
    const text = formatValue(value);
    out.write(text.includes('\n') ? `${paint.bold(name)}:\n${text}\n\n` : `${paint.bold(name)}: ${text}\n`);
  }
}
