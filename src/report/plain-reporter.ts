import type { EngineEvent } from '../model/events.js';
import type { RunResult } from '../model/run.js';
import { redact } from '../secrets/redact.js';
import { collapseRepeats, countSteps, formatDuration, formatValue, runErrorText, stepErrorText, type Reporter, type Writer } from './reporter.js';
import { KnownIssueMemo, repeatedIssuesLine } from './known-issue-memo.js';
import { formatKnownIssues } from '../learn/known-issue-text.js';
import { printable, stripAnsi } from './terminal-text.js';
import { monotonicMs } from '../model/clock.js';

export interface Paint {
  ok(s: string): string;
  bad(s: string): string;
  warn(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

export const noPaint: Paint = { ok: (s) => s, bad: (s) => s, warn: (s) => s, dim: (s) => s, bold: (s) => s };

export interface PlainOptions {
  /** Print the skill's outputs at the end (not when --json prints them). */
  showOutputs?: boolean;
  /** Paths in errors are shown relative to this directory. */
  cwd?: string;
  /** Only failures, warnings and the closing line. */
  quiet?: boolean;
  /** A "still running" line for a step that runs longer than this (CI logs that look stuck otherwise); 0 for none. */
  heartbeatMs?: number;
}

/**
 * One line per event, written as it happens, with the elapsed time: what a CI log needs. No cursor
 * movement, no spinner; colour only when the caller passes a painter (FORCE_COLOR).
 */
export class PlainReporter implements Reporter {
  private readonly started = monotonicMs();

  private readonly out: Writer;
  /** Open then blocks: their steps share the skill's depth, but read better indented under them. */
  private thens = 0;
  private readonly memo = new KnownIssueMemo();
  private heartbeat: NodeJS.Timeout | undefined;
  /** The step the heartbeat speaks of; none between steps. */
  private beating: { depth: number; step: string; started: number } | undefined;
  private readonly showOutputs: boolean;
  private readonly cwd?: string;
  private readonly quiet: boolean;
  private readonly heartbeatMs: number;

  constructor(out: Writer, private readonly paint: Paint = noPaint, options: PlainOptions = {}) {
    this.showOutputs = options.showOutputs ?? true;
    this.cwd = options.cwd;
    this.quiet = options.quiet ?? false;
    this.heartbeatMs = options.heartbeatMs ?? 0;
    // Without colour the log must hold no escape codes at all, tool output's own colours included.
    this.out = paint === noPaint ? { write: (text) => out.write(stripAnsi(text)) } : out;
  }

  private line(depth: number, text: string): void {
    const t = ((monotonicMs() - this.started) / 1000).toFixed(2).padStart(7);
    this.out.write(`${this.paint.dim(`[${t}s]`)} ${'  '.repeat(depth + this.thens)}${text}\n`);
  }

  onEvent(e: EngineEvent): void {
    switch (e.kind) {
      case 'run-start':
        if (!this.quiet || !e.depth) this.line(e.depth, `${this.paint.bold(`skill ${e.skill}`)}${e.depth ? '' : ` (run ${e.runId})`}`);
        break;
      case 'step-start':
        if (!this.quiet) this.line(e.depth, `▶ ${e.step} (${e.type})`);
        if (e.type === 'then') this.thens++;
        if (e.type !== 'then' && e.type !== 'skill') this.startHeartbeat(e.depth, e.step);
        break;
      case 'step-end': {
        const r = e.result;
        if (r.type === 'then') this.thens = Math.max(0, this.thens - 1);
        if (r.type !== 'then' && r.type !== 'skill') this.stopHeartbeat();
        if (this.quiet && r.status !== 'failed') break;
        const status = r.status === 'failed' ? this.paint.bad('failed') : r.status === 'healed' ? this.paint.warn('healed') : r.status === 'skipped' ? this.paint.dim('skipped') : this.paint.ok('success');
        const attempts = r.attempts && r.attempts > 1 ? `, ${r.attempts} attempts` : '';
        this.line(e.depth, `${r.status === 'failed' ? '✖' : r.status === 'skipped' ? '-' : '✔'} ${r.name} ${status} (${formatDuration(r.duration_ms)}${attempts})`);
        if (r.error) for (const l of collapseRepeats(printable(redact(stepErrorText(r.error, this.cwd)))).split('\n').slice(0, 12)) this.line(e.depth + 2, l);
        break;
      }
      case 'attempt-failed':
        if (this.quiet) break;
        this.line(e.depth + 1, `attempt ${e.attempt}/${e.maxAttempts} of ${e.tool} failed${e.failureClass ? ` [${e.failureClass}: matched '${e.pattern}']` : ''}`);
        break;
      case 'heal':
        if (this.quiet) break;
        this.line(e.depth + 1, `heal ${e.heal.class} → ${e.heal.fix}${e.heal.source === 'shared' ? ' (already fixed in this run)' : ''}: ${e.heal.fix_success ? this.paint.ok('fixed') : this.paint.bad(`failed${e.heal.error ? `: ${e.heal.error}` : ''}`)}`);
        break;
      case 'retry':
        if (this.quiet) break;
        this.line(e.depth + 1, `retrying ${e.tool}: attempt ${e.attempt}/${e.maxAttempts} in ${formatDuration(e.delayMs)}`);
        break;
      case 'known-issues': {
        const { fresh, repeated } = this.memo.take(e.matches);
        for (const l of formatKnownIssues(fresh, '')) this.line(e.depth + 1, l);
        if (repeated.length) this.line(e.depth + 1, repeatedIssuesLine(repeated));
        break;
      }
      case 'warning':
        this.line(0, this.paint.warn(`warning: ${e.message}`));
        break;
      case 'tool-output':
        // --verbose: every line of the tool's own output, prefixed by its step, as it arrives.
        for (const l of e.text.split('\n')) if (l.trim() !== '') this.line(e.depth + 1, `${e.step || e.tool} ${e.stream === 'command' ? '$' : e.stream === 'stderr' ? '!' : '|'} ${l}`);
        break;
      case 'run-end':
        break;
    }
  }

  private startHeartbeat(depth: number, step: string): void {
    if (!this.heartbeatMs) return;
    this.beating = { depth, step, started: monotonicMs() };
    // One interval for the run, restarted per step (as a new one per step would start): creating and
    // clearing one for every step cost more than the rest of a compute step's line.
    if (this.heartbeat) {
      this.heartbeat.refresh();
      return;
    }
    this.heartbeat = setInterval(() => {
      const b = this.beating;
      if (b) this.line(b.depth + 1, `… ${b.step} still running (${formatDuration(monotonicMs() - b.started)})`);
    }, this.heartbeatMs);
    this.heartbeat.unref();
  }

  private stopHeartbeat(): void {
    this.beating = undefined;
  }

  finish(result: RunResult): void {
    this.stopHeartbeat();
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    if (this.showOutputs) writeOutputs(this.out, result, this.paint);
    const c = countSteps(result);
    const status = result.status === 'failed' ? this.paint.bad('FAILED') : result.status === 'partial' ? this.paint.warn('PARTIAL') : this.paint.ok('SUCCESS');
    this.out.write(`${status} ${result.skill} in ${formatDuration(result.duration_ms)}: ${c.succeeded} succeeded${c.healed ? ` (${c.healed} healed)` : ''}, ${c.failed} failed, ${c.skipped} skipped\n`);
    if (result.error) this.out.write(`${runErrorText(result.error, this.cwd)}\n`);
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
