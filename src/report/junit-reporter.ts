import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { EngineEvent } from '../model/events.js';
import type { RunResult, StepResult } from '../model/run.js';
import { AiwError, errorMessage } from '../errors/errors.js';
import { writeFileAtomic } from '../files/atomic-write.js';
import { redact } from '../secrets/redact.js';
import { stepErrorText, type Reporter } from './reporter.js';
import { formatKnownIssues } from '../learn/known-issue-text.js';
import { StepLog, firstLine, flattenSteps, truncate, type FlatStep } from './step-log.js';
import { displayPath } from './display-path.js';
import { attrs, escapeText } from './xml.js';

/** Errors and logs can be whole stderr dumps; CI test viewers choke on megabytes per testcase. */
const MAX_BODY = 20_000;

export interface JunitOptions {
  /** Base for a relative report path and for the `file` attributes (default: the process's cwd). */
  cwd?: string;
  /** `hostname` attribute of the testsuite; false leaves it out (default: this machine's name). */
  hostname?: string | false;
}

interface Case {
  xml: string;
  failed: boolean;
  skipped: boolean;
}

/**
 * `aiw run --junit FILE`: one testcase per step (steps of then blocks and nested skills included,
 * named `parent/child`), written at the end in one atomic replace so a CI job that collects the
 * file never reads half a report.
 */
export class JunitReporter implements Reporter {
  private readonly log = new StepLog();
  private readonly file: string;
  private started = new Date();

  constructor(file: string, private readonly options: JunitOptions = {}) {
    this.file = resolve(options.cwd ?? process.cwd(), file);
  }

  onEvent(e: EngineEvent): void {
    if (e.kind === 'run-start' && e.depth === 0) this.started = new Date();
    this.log.onEvent(e);
  }

  async finish(result: RunResult): Promise<void> {
    // node:os when used, not when this module loads: a start that never needs it saves ~0.2 ms.
    const host = this.options.hostname === undefined ? process.getBuiltinModule('node:os').hostname() : this.options.hostname || undefined;
    const xml = junitXml(result, this.log, { timestamp: this.started, hostname: host, cwd: this.options.cwd ?? process.cwd() });
    try {
      await mkdir(dirname(this.file), { recursive: true });
      await writeFileAtomic(this.file, xml);
    } catch (err) {
      throw new AiwError('USAGE', `cannot write the JUnit report ${this.file}: ${errorMessage(err)}`, {
        cause: err, hint: 'give --junit a file path in a directory aiw can write to',
      });
    }
  }
}

/** The whole report: one testsuite named after the skill, in a `testsuites` root (GitLab and Jenkins read both). */
export function junitXml(result: RunResult, log: StepLog, meta: { timestamp: Date; hostname?: string; cwd: string }): string {
  const classname = `aiw.${result.skill}`;
  const where = (file: string) => displayPath(file, meta.cwd);
  const cases = flattenSteps(result, log).map((f) => testcase(f, classname, where(f.file), log, meta.cwd));
  if (result.status === 'failed' && !cases.some((c) => c.failed)) {
    // The run failed outside any step (an output that did not compute, an interrupt): CI must still see a failure.
    const error = result.error ? stepErrorText(result.error, meta.cwd) : 'the skill failed';
    cases.push({
      failed: true, skipped: false,
      xml: `    <testcase${attrs({ name: '(run)', classname, file: where(result.file), time: seconds(result.duration_ms) })}>\n`
        + `      <failure${attrs({ message: redact(firstLine(error)), type: 'RunFailed' })}>${escapeText(redact(truncate(error, MAX_BODY)))}</failure>\n`
        + '    </testcase>\n',
    });
  }
  const counts = {
    tests: cases.length,
    failures: cases.filter((c) => c.failed).length,
    errors: 0,
    skipped: cases.filter((c) => c.skipped).length,
    time: seconds(result.duration_ms),
  };
  const timestamp = meta.timestamp.toISOString().slice(0, 19);
  const properties = [['aiw.run_id', result.run_id], ['aiw.status', result.status], ['aiw.file', where(result.file)]]
    .map(([name, value]) => `      <property${attrs({ name, value: redact(value ?? '') })}/>\n`).join('');
  const warnings = result.warnings?.length ? `    <system-err>${escapeText(redact(truncate(result.warnings.join('\n'), MAX_BODY)))}</system-err>\n` : '';
  return '<?xml version="1.0" encoding="UTF-8"?>\n'
    + `<testsuites${attrs({ name: 'aiw', ...counts, timestamp })}>\n`
    + `  <testsuite${attrs({ name: redact(result.skill), ...counts, timestamp, hostname: meta.hostname })}>\n`
    + `    <properties>\n${properties}    </properties>\n`
    + cases.map((c) => c.xml).join('')
    + warnings
    + '  </testsuite>\n'
    + '</testsuites>\n';
}

function testcase(f: FlatStep, classname: string, file: string, log: StepLog, cwd: string): Case {
  const { step } = f;
  const head = `    <testcase${attrs({ name: redact(f.path), classname, file, line: step.line, time: seconds(step.duration_ms) })}`;
  const body: string[] = [];
  if (step.status === 'skipped') body.push(`      <skipped${attrs({ message: 'condition was false' })}/>\n`);
  if (step.status === 'failed' && step.tolerated) {
    // The skill went on past it and the run passed: a <failure> would turn the CI report red for a
    // green job, and a property is shown by no test viewer. <skipped> keeps the step visible as "did
    // not pass", with the error in its message and body.
    const error = step.error ? stepErrorText(step.error, cwd) : 'failed';
    body.push(`      <skipped${attrs({ message: redact(`tolerated failure: ${firstLine(error)}`) })}>`
      + `${escapeText(redact(failureText(step, error)))}</skipped>\n`);
  } else if (step.status === 'failed') {
    const error = step.error ? stepErrorText(step.error, cwd) : 'failed';
    body.push(`      <failure${attrs({ message: redact(firstLine(error)), type: step.classification?.class ?? `${step.type}-step-failed` })}>`
      + `${escapeText(redact(failureText(step, error)))}</failure>\n`);
  }
  const details = log.detailsOf(step);
  if (details.length) body.push(`      <system-out>${escapeText(redact(truncate(details.join('\n'), MAX_BODY)))}</system-out>\n`);
  const xml = body.length ? `${head}>\n${body.join('')}    </testcase>\n` : `${head}/>\n`;
  return { xml, failed: step.status === 'failed' && !step.tolerated, skipped: step.status === 'skipped' || step.tolerated === true };
}

/** The whole error, then why aiw thinks it failed, then what memory says fixed it before. */
function failureText(step: StepResult, error: string): string {
  const parts = [truncate(error, MAX_BODY)];
  if (step.tool) parts.push(`tool: ${step.tool}${step.attempts ? `, ${step.attempts} attempt${step.attempts === 1 ? '' : 's'}` : ''}`);
  if (step.classification) parts.push(`classified as ${step.classification.class} (matched '${step.classification.pattern}')`);
  const hints = formatKnownIssues(step.known_issues ?? [], '');
  if (hints.length) parts.push(hints.join('\n'));
  return parts.join('\n\n');
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

