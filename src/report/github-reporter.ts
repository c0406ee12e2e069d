import { randomUUID } from 'node:crypto';
import { appendFile } from 'node:fs/promises';
import type { EngineEvent } from '../model/events.js';
import type { RunResult, StepResult } from '../model/run.js';
import { errorMessage } from '../errors/errors.js';
import { redact } from '../secrets/redact.js';
import { summaryMarkdown } from './github-summary.js';
import { type Reporter, type Writer } from './reporter.js';
import { formatKnownIssues } from '../learn/known-issue-text.js';
import { StepLog, truncate } from './step-log.js';
import { displayPath } from './display-path.js';
import { printable } from './terminal-text.js';
import { neutraliseV1 } from './github-log.js';

/** GitHub shows at most 10 error and 10 warning annotations per step; more would only be dropped. */
const MAX_ANNOTATIONS = 10;
const MAX_MESSAGE = 4000;

/** Workflow command data: `%`, CR and LF escaped, so a multi-line message stays one command. */
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Workflow command property values: as data, plus `:` and `,`, which end a property. */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** `::name k=v,k=v::message`, every part redacted, without control characters or `##[`, and escaped. */
export function workflowCommand(name: string, props: Record<string, string | number | undefined>, message: string): string {
  const list = Object.entries(props)
    .filter((e): e is [string, string | number] => e[1] !== undefined)
    .map(([k, v]) => `${k}=${escapeProperty(neutraliseV1(redact(printable(String(v)))))}`);
  return `::${name}${list.length ? ` ${list.join(',')}` : ''}::${escapeData(neutraliseV1(redact(printable(message))))}\n`;
}

export interface GithubOptions {
  /** Where skill paths are relative to when GITHUB_WORKSPACE is not set (default: the process's cwd). */
  cwd?: string;
  /**
   * The reporter that writes the log lines. The GitHub reporter drives it so that each step's group
   * opens before the step's first line and closes before its result line: with the group folded, the
   * log still shows every step's outcome and error.
   */
  log?: Reporter;
}

/**
 * GitHub Actions (`GITHUB_ACTIONS=true`): a `::group::` per step, an `::error` annotation at the
 * line of each failing step, a `::warning` for each healed one, and a Markdown summary appended to
 * `$GITHUB_STEP_SUMMARY`. Groups are opened only around steps that hold no steps (GitHub cannot
 * nest groups); then blocks and nested skills show as the plain lines around them.
 */
export class GithubReporter implements Reporter {
  private readonly steps = new StepLog();
  private readonly containers: string[] = [];
  private readonly workspace: string;
  private groupOpen = false;
  private errors = 0;
  private warnings = 0;

  constructor(private readonly out: Writer, private readonly env: NodeJS.ProcessEnv, private readonly options: GithubOptions = {}) {
    this.workspace = env.GITHUB_WORKSPACE || options.cwd || process.cwd();
  }

  onEvent(e: EngineEvent): void {
    this.steps.onEvent(e);
    let path = '';
    if (e.kind === 'step-start') {
      if (e.type === 'then' || e.type === 'skill') this.containers.push(e.step);
      else {
        this.out.write(workflowCommand('group', {}, `${[...this.containers, e.step].join('/')} (${e.type})`));
        this.groupOpen = true;
      }
    } else if (e.kind === 'step-end') {
      this.closeGroup();
      if (e.result.type === 'then' || e.result.type === 'skill') this.containers.pop();
      path = [...this.containers, e.result.name].join('/');
    }
    this.options.log?.onEvent(e);
    if (e.kind === 'step-end') this.annotate(e.result, path, e.file, e.skill);
    if (e.kind === 'warning') this.out.write(workflowCommand('warning', { title: 'aiw' }, e.message));
  }

  async finish(result: RunResult): Promise<void> {
    this.closeGroup();
    if (this.options.log) {
      // Outputs are tool data: a line in them that looks like a workflow command must not run as one.
      const token = randomUUID();
      this.out.write(`::stop-commands::${token}\n`);
      try {
        await this.options.log.finish(result);
      } finally {
        this.out.write(`::${token}::\n`);
      }
    }
    if (result.status === 'failed' && this.errors === 0) {
      const at = result.error?.location;
      this.out.write(workflowCommand('error', { file: this.where(at?.file ?? result.file), line: at?.line, col: at?.col, title: `aiw ${result.skill} failed` }, truncate(result.error?.message ?? 'the skill failed', MAX_MESSAGE)));
    }
    if (this.errors > MAX_ANNOTATIONS || this.warnings > MAX_ANNOTATIONS) {
      this.out.write(workflowCommand('notice', { title: 'aiw' }, `${this.errors} failed and ${this.warnings} healed or tolerated steps; GitHub shows only ${MAX_ANNOTATIONS} of each, see the job summary`));
    }
    await this.writeSummary(result);
  }

  private annotate(step: StepResult, path: string, file: string, skill: string): void {
    const at = step.error?.location;
    const props = { file: this.where(at?.file ?? file), line: at?.line ?? step.line, col: at?.col };
    if (step.status === 'failed' && !step.steps?.some((s) => s.status === 'failed' && !s.tolerated)) {
      // A then block or skill step that failed because an inner step did is annotated at that inner step only.
      // A failure the skill tolerated (on_error continue/auto_heal, exit 0) is a warning: the job is green.
      if (step.tolerated ? ++this.warnings > MAX_ANNOTATIONS : ++this.errors > MAX_ANNOTATIONS) return;
      const hints = formatKnownIssues(step.known_issues ?? [], '');
      const message = [truncate(step.error ? `${step.error.message}${step.error.hint ? `\nhint: ${step.error.hint}` : ''}` : 'failed', MAX_MESSAGE), ...(hints.length ? ['', ...hints] : [])].join('\n');
      const [kind, title] = step.tolerated ? ['warning', `aiw ${skill}: step ${path} failed (tolerated)`] : ['error', `aiw ${skill}: step ${path} failed`];
      this.out.write(workflowCommand(kind, { ...props, title }, message));
    } else if (step.status === 'healed') {
      if (++this.warnings > MAX_ANNOTATIONS) return;
      const fixes = (step.heals ?? []).map((h) => `${h.class} → ${h.fix}${h.fix_success ? '' : ' (fix failed)'}`).join('; ');
      this.out.write(workflowCommand('warning', { ...props, title: `aiw ${skill}: step ${path} healed` }, `healed after ${step.attempts ?? 1} attempts${fixes ? `: ${fixes}` : ''}`));
    }
  }

  private closeGroup(): void {
    if (!this.groupOpen) return;
    this.out.write('::endgroup::\n');
    this.groupOpen = false;
  }

  private where(file: string): string {
    return displayPath(file, this.workspace);
  }

  private async writeSummary(result: RunResult): Promise<void> {
    const target = this.env.GITHUB_STEP_SUMMARY;
    // The runner always sets it; without it (a local GITHUB_ACTIONS=true) there is nowhere to write.
    if (!target) return;
    try {
      await appendFile(target, summaryMarkdown(result, this.steps, this.workspace), 'utf8');
    } catch (err) {
      // The run's own outcome stands; the missing summary is reported where the job log shows it.
      this.out.write(workflowCommand('warning', { title: 'aiw' }, `could not append the step summary to ${target}: ${errorMessage(err)}`));
    }
  }
}
