import type { EngineEvent } from '../../model/events.js';
import type { RunResult } from '../../model/run.js';
import { runSkill } from '../../engine/run-skill.js';
import { skillLoader } from '../../skill/skill-loader.js';
import { EXIT } from '../../errors/errors.js';
import { runDocument } from '../../report/json-document.js';
import type { Reporter } from '../../report/reporter.js';
import { colorLevel, isInteractive, type Io } from '../io.js';
import { parsePairs } from '../parse-pairs.js';
import { engineContext, openSession, type GlobalOptions, type Session } from '../../session/session.js';
import { describePlan } from './plan.js';

export interface RunOptions extends GlobalOptions {
  input: string[];
  inputsJson?: string;
  json?: boolean;
  plan?: boolean;
  junit?: string;
}

export async function runCommand(skillName: string, opts: RunOptions, io: Io): Promise<number> {
  const session = await openSession(opts, io);
  try {
    return await runWith(session, skillName, opts, io);
  } finally {
    await session.close();
  }
}

async function runWith(session: Session, skillName: string, opts: RunOptions, io: Io): Promise<number> {
  const skill = await skillLoader(session.project)(skillName);
  const given = parsePairs(opts.input, opts.inputsJson, '--input');
  if (opts.plan) return describePlan(skill, session, opts.json === true, io);
  const reporters = await chooseReporters(opts, io);
  const controller = new AbortController();
  let interrupted: NodeJS.Signals | undefined;
  const off = io.onInterrupt?.((signal) => {
    interrupted = signal;
    controller.abort();
  });
  const emit = (e: EngineEvent) => {
    for (const r of reporters) r.onEvent(e);
  };
  let result: RunResult;
  try {
    result = await runSkill(skill, given, engineContext(session, io, emit, controller.signal));
  } finally {
    off?.();
  }
  if (interrupted) result.error = `interrupted by ${interrupted}`;
  for (const r of reporters) await r.finish(result);
  if (opts.json) io.stdout.write(`${JSON.stringify(runDocument(result))}\n`);
  if (interrupted) return EXIT.interrupted;
  return result.status === 'failed' ? EXIT.failed : EXIT.ok;
}

/**
 * Terminal (spinner, colour) for a person; plain lines for CI and pipes; with --json, logs go to
 * stderr. On GitHub Actions the GitHub reporter drives the log reporter, so that its groups wrap
 * each step's lines; with --json it writes to stderr too (the runner reads commands from both).
 */
async function chooseReporters(opts: RunOptions, io: Io): Promise<Reporter[]> {
  const level = colorLevel(io);
  // A spinner redraws its line, which would garble the group and annotation lines around it.
  const onGithub = io.env.GITHUB_ACTIONS === 'true';
  const { PlainReporter, noPaint } = await import('../../report/plain-reporter.js');
  let log: Reporter;
  if (opts.json) {
    // The log goes to stderr, so whether it is a terminal decides the colour.
    const errLevel = colorLevel({ ...io, stdout: io.stderr });
    log = new PlainReporter(io.stderr, errLevel ? await painter(errLevel) : noPaint, false);
  } else if (isInteractive(io) && io.stdout.stream && !onGithub) {
    const { TerminalReporter } = await import('../../report/terminal-reporter.js');
    log = await TerminalReporter.create({ write: io.stdout.write, stream: io.stdout.stream }, level);
  } else {
    log = new PlainReporter(io.stdout, level ? await painter(level) : noPaint);
  }
  if (onGithub) {
    const { GithubReporter } = await import('../../report/github-reporter.js');
    log = new GithubReporter(opts.json ? io.stderr : io.stdout, io.env, { cwd: io.cwd, log });
  }
  const reporters = [log];
  if (opts.junit) {
    const { JunitReporter } = await import('../../report/junit-reporter.js');
    reporters.push(new JunitReporter(opts.junit, { cwd: io.cwd }));
  }
  return reporters;
}

async function painter(level: 1 | 2 | 3) {
  const { Chalk } = await import('chalk');
  const c = new Chalk({ level });
  return { ok: c.green, bad: c.red, warn: c.yellow, dim: c.dim, bold: c.bold };
}
