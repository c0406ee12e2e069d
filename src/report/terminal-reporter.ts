import type { ChalkInstance } from 'chalk';
import type { Ora } from 'ora';
import type { EngineEvent } from '../model/events.js';
import type { RunResult } from '../model/run.js';
import { redact } from '../secrets/redact.js';
import { writeOutputs, type Paint } from './plain-reporter.js';
import { collapseRepeats, countSteps, formatDuration, runErrorText, stepErrorText, type Reporter, type Writer } from './reporter.js';
import { formatKnownIssues } from '../learn/known-issue-text.js';
import { KnownIssueMemo, repeatedIssuesLine } from './known-issue-memo.js';

/** The step that is running now, under the spinner. */
interface Running {
  name: string;
  pad: string;
  started: number;
  tool?: string;
  headerShown: boolean;
  /** While waiting before a retry: when it ends, and which attempt comes. */
  retry?: { at: number; attempt: number; of: number };
}

/**
 * For a person at a terminal: colour, and an ora spinner on the step that is running, showing how
 * long it has run, its tool, and a retry's countdown. What happens during a step (failed attempts,
 * heals, known issues) prints under the step's own header line, indented, so nothing appears to
 * belong to the step before it.
 */
export class TerminalReporter implements Reporter {
  private spinner: Ora | undefined;
  private running: Running | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private readonly paint: Paint;
  private readonly memo = new KnownIssueMemo();

  constructor(
    private readonly out: Writer & { stream: NodeJS.WriteStream },
    private readonly chalk: ChalkInstance,
    private readonly makeSpinner: (text: string) => Ora,
    private readonly cwd?: string,
    private readonly quiet = false,
  ) {
    this.paint = { ok: chalk.green, bad: chalk.red, warn: chalk.yellow, dim: chalk.dim, bold: chalk.bold };
  }

  static async create(out: Writer & { stream: NodeJS.WriteStream }, colorLevel: 0 | 1 | 2 | 3, cwd?: string, quiet = false): Promise<Reporter> {
    const [{ Chalk }, { default: ora }] = await Promise.all([import('chalk'), import('ora')]);
    const chalk = new Chalk({ level: colorLevel });
    // A terminal that reports 0 columns (a serial console, some CI pseudo-terminals) makes ora count
    // Infinity lines to clear, and clear them forever: no animation there, decided per spinner.
    const spins = () => !(out.stream.columns === 0 || Number.isNaN(out.stream.columns));
    return new TerminalReporter(out, chalk, (text) => ora({ text, stream: out.stream, color: colorLevel ? 'cyan' : false, discardStdin: false, ...(spins() ? {} : { isEnabled: false }) }).start(), cwd, quiet);
  }

  private spinnerText(r: Running): string {
    const now = Date.now();
    const elapsed = Math.floor((now - r.started) / 1000);
    const parts = [r.tool ? this.chalk.dim(r.tool) : '', elapsed >= 1 ? this.chalk.dim(`${elapsed} s`) : ''];
    if (r.retry) parts.push(this.chalk.yellow(`retry ${r.retry.attempt}/${r.retry.of} in ${Math.max(0, Math.ceil((r.retry.at - now) / 1000))} s`));
    return `${r.pad}${r.name} ${parts.filter(Boolean).join('  ')}`.trimEnd();
  }

  /** A line about the running step: its header first (once), then the line indented under it. */
  private detail(text: string): void {
    const r = this.running;
    if (r && !r.headerShown) {
      r.headerShown = true;
      this.persist(`${r.pad}${this.chalk.cyan('▶')} ${r.name}`);
    }
    this.persist(text);
  }

  private persist(text: string): void {
    if (this.spinner?.isSpinning) {
      this.spinner.stop();
      this.out.write(`${text}\n`);
      this.spinner.start(this.running ? this.spinnerText(this.running) : undefined);
    } else {
      this.out.write(`${text}\n`);
    }
  }

  private stopTicker(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
  }

  onEvent(e: EngineEvent): void {
    const pad = '  '.repeat('depth' in e ? e.depth : 0);
    switch (e.kind) {
      case 'run-start':
        if (!this.quiet || !e.depth) this.out.write(`${pad}${this.chalk.bold(e.skill)}${e.depth ? '' : this.chalk.dim(`  run ${e.runId}`)}\n`);
        break;
      case 'step-start':
        if (e.type === 'skill' || e.type === 'then') {
          if (!this.quiet) this.out.write(`${pad}${this.chalk.cyan('▶')} ${e.step}\n`);
          break;
        }
        this.running = { name: e.step, pad, started: Date.now(), tool: e.tool, headerShown: false };
        this.spinner = this.makeSpinner(`${this.spinnerText(this.running)}${e.description ? this.chalk.dim(` ${e.description}`) : ''}`);
        this.stopTicker();
        this.ticker = setInterval(() => {
          if (this.spinner && this.running) this.spinner.text = this.spinnerText(this.running);
        }, 1000);
        this.ticker.unref();
        break;
      case 'step-end': {
        const r = e.result;
        const symbol = r.status === 'failed' ? this.chalk.red('✖') : r.status === 'healed' ? this.chalk.yellow('✚') : r.status === 'skipped' ? this.chalk.dim('○') : this.chalk.green('✔');
        const tail = this.chalk.dim(`${r.status === 'skipped' ? 'skipped' : formatDuration(r.duration_ms)}${r.attempts && r.attempts > 1 ? `, ${r.attempts} attempts` : ''}${r.status === 'healed' ? ', healed' : ''}`);
        const text = `${pad}${r.name} ${tail}`;
        const container = r.type === 'skill' || r.type === 'then';
        this.stopTicker();
        if (this.spinner && !container) {
          if (this.quiet && r.status !== 'failed') this.spinner.stop();
          else this.spinner.stopAndPersist({ symbol, text });
        } else if (!this.quiet || r.status === 'failed') this.out.write(`${symbol} ${text}\n`);
        if (!container) this.spinner = undefined;
        if (!container) this.running = undefined;
        // Masked before it is cut to 12 lines: a cut could split a secret the sink would then not recognise.
        if (r.error) for (const l of collapseRepeats(redact(stepErrorText(r.error, this.cwd))).split('\n').slice(0, 12)) this.out.write(`${pad}    ${this.chalk.red(l)}\n`);
        break;
      }
      case 'attempt-failed':
        if (this.quiet) break;
        if (this.running) this.running.retry = undefined;
        this.detail(`${pad}    ${this.chalk.yellow('!')} attempt ${e.attempt}/${e.maxAttempts} failed${e.failureClass ? ` ${this.chalk.dim(`[${e.failureClass}: '${e.pattern}']`)}` : ''}`);
        break;
      case 'heal':
        if (this.quiet) break;
        this.detail(`${pad}    ${e.heal.fix_success ? this.chalk.green('⚕') : this.chalk.red('⚕')} ${e.heal.class} → ${e.heal.fix}${e.heal.source === 'shared' ? ' (already fixed in this run)' : ''}${e.heal.error ? `: ${e.heal.error}` : ''}`);
        break;
      case 'retry':
        if (this.running) this.running.retry = { at: Date.now() + e.delayMs, attempt: e.attempt, of: e.maxAttempts };
        if (this.spinner && this.running) this.spinner.text = this.spinnerText(this.running);
        break;
      case 'known-issues': {
        const { fresh, repeated } = this.memo.take(e.matches);
        for (const l of formatKnownIssues(fresh, `${pad}    `)) this.detail(this.chalk.cyan(l));
        if (repeated.length) this.detail(this.chalk.cyan(`${pad}    ${repeatedIssuesLine(repeated)}`));
        break;
      }
      case 'warning':
        this.detail(this.chalk.yellow(`warning: ${e.message}`));
        break;
      case 'tool-output':
        for (const l of e.text.split('\n')) if (l.trim() !== '') this.detail(`${pad}    ${this.chalk.dim(e.stream === 'command' ? '$' : e.stream === 'stderr' ? '!' : '|')} ${l}`);
        break;
      case 'run-end':
        break;
    }
  }

  finish(result: RunResult): void {
    this.stopTicker();
    this.spinner?.stop();
    writeOutputs(this.out, result, this.paint);
    const c = countSteps(result);
    const head = result.status === 'failed' ? this.chalk.red.bold('✖ failed') : result.status === 'partial' ? this.chalk.yellow.bold('◐ partial') : this.chalk.green.bold('✔ success');
    this.out.write(`\n${head} ${this.chalk.dim(`in ${formatDuration(result.duration_ms)}`)}  ${c.succeeded} succeeded${c.healed ? ` (${c.healed} healed)` : ''}, ${c.failed} failed, ${c.skipped} skipped\n`);
    if (result.error) this.out.write(`${this.chalk.red(runErrorText(result.error, this.cwd))}\n`);
  }
}
