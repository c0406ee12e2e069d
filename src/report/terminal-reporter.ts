import type { ChalkInstance } from 'chalk';
import type { Ora } from 'ora';
import type { EngineEvent } from '../model/events.js';
import type { RunResult } from '../model/run.js';
import { redact } from '../secrets/redact.js';
import { writeOutputs, type Paint } from './plain-reporter.js';
import { countSteps, formatDuration, type Reporter, type Writer } from './reporter.js';
import { formatKnownIssues } from '../learn/known-issue-text.js';

/** For a person at a terminal: colour, and an ora spinner on the step that is running. */
export class TerminalReporter implements Reporter {
  private spinner: Ora | undefined;
  private readonly paint: Paint;

  constructor(
    private readonly out: Writer & { stream: NodeJS.WriteStream },
    private readonly chalk: ChalkInstance,
    private readonly makeSpinner: (text: string) => Ora,
  ) {
    this.paint = { ok: chalk.green, bad: chalk.red, warn: chalk.yellow, dim: chalk.dim, bold: chalk.bold };
  }

  static async create(out: Writer & { stream: NodeJS.WriteStream }, colorLevel: 0 | 1 | 2 | 3): Promise<Reporter> {
    const [{ Chalk }, { default: ora }] = await Promise.all([import('chalk'), import('ora')]);
    const chalk = new Chalk({ level: colorLevel });
    return new TerminalReporter(out, chalk, (text) => ora({ text, stream: out.stream, color: 'cyan', discardStdin: false }).start());
  }

  private persist(text: string): void {
    if (this.spinner?.isSpinning) {
      const current = this.spinner.text;
      this.spinner.stop();
      this.out.write(`${redact(text)}\n`);
      this.spinner.start(current);
    } else {
      this.out.write(`${redact(text)}\n`);
    }
  }

  onEvent(e: EngineEvent): void {
    const pad = '  '.repeat('depth' in e ? e.depth : 0);
    switch (e.kind) {
      case 'run-start':
        this.out.write(`${pad}${this.chalk.bold(e.skill)}${e.depth ? '' : this.chalk.dim(`  run ${e.runId}`)}\n`);
        break;
      case 'step-start':
        if (e.type === 'skill' || e.type === 'then') this.out.write(`${pad}${this.chalk.cyan('▶')} ${e.step}\n`);
        else this.spinner = this.makeSpinner(`${pad}${e.step}${e.description ? this.chalk.dim(` ${e.description}`) : ''}`);
        break;
      case 'step-end': {
        const r = e.result;
        const symbol = r.status === 'failed' ? this.chalk.red('✖') : r.status === 'healed' ? this.chalk.yellow('✚') : r.status === 'skipped' ? this.chalk.dim('○') : this.chalk.green('✔');
        const tail = this.chalk.dim(`${r.status === 'skipped' ? 'skipped' : formatDuration(r.duration_ms)}${r.attempts && r.attempts > 1 ? `, ${r.attempts} attempts` : ''}${r.status === 'healed' ? ', healed' : ''}`);
        const text = `${pad}${r.name} ${tail}`;
        if (this.spinner) this.spinner.stopAndPersist({ symbol, text });
        else this.out.write(`${symbol} ${text}\n`);
        this.spinner = undefined;
        if (r.error) for (const l of redact(r.error).split('\n').slice(0, 12)) this.out.write(`${pad}    ${this.chalk.red(redact(l))}\n`);
        break;
      }
      case 'attempt-failed':
        this.persist(`${pad}  ${this.chalk.yellow('!')} attempt ${e.attempt}/${e.maxAttempts} failed${e.failureClass ? ` ${this.chalk.dim(`[${e.failureClass}: '${e.pattern}']`)}` : ''}`);
        break;
      case 'heal':
        this.persist(`${pad}  ${e.heal.fix_success ? this.chalk.green('⚕') : this.chalk.red('⚕')} ${e.heal.class} → ${e.heal.fix}${e.heal.source === 'shared' ? ' (already fixed in this run)' : ''}${e.heal.error ? `: ${e.heal.error}` : ''}`);
        break;
      case 'retry':
        if (this.spinner) this.spinner.text = `${pad}${e.step} ${this.chalk.dim(`retry ${e.attempt}/${e.maxAttempts} in ${formatDuration(e.delayMs)}`)}`;
        break;
      case 'known-issues':
        for (const l of formatKnownIssues(e.matches, `${pad}  `)) this.persist(this.chalk.cyan(l));
        break;
      case 'warning':
        this.persist(this.chalk.yellow(`warning: ${e.message}`));
        break;
      case 'run-end':
        break;
    }
  }

  finish(result: RunResult): void {
    this.spinner?.stop();
    writeOutputs(this.out, result, this.paint);
    const c = countSteps(result);
    const head = result.status === 'failed' ? this.chalk.red.bold('✖ failed') : result.status === 'partial' ? this.chalk.yellow.bold('◐ partial') : this.chalk.green.bold('✔ success');
    this.out.write(`\n${head} ${this.chalk.dim(`in ${formatDuration(result.duration_ms)}`)}  ${c.succeeded} succeeded${c.healed ? ` (${c.healed} healed)` : ''}, ${c.failed} failed, ${c.skipped} skipped\n`);
    if (result.error) this.out.write(`${this.chalk.red(redact(result.error))}\n`);
  }
}

