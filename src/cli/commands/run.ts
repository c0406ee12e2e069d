import { dirname, resolve } from 'node:path';
import type { EngineEvent } from '../../model/events.js';
import { projectAbove } from '../../project/project.js';
import type { RunResult } from '../../model/run.js';
import { runSkill } from '../../engine/run-skill.js';
import { EXIT, ValidationError } from '../../errors/errors.js';
import { runDocument } from '../../report/json-document.js';
import type { Reporter } from '../../report/reporter.js';
import { colorLevel, isCi, isInteractive, type Io } from '../io.js';
import { parsePairs } from '../parse-pairs.js';
import { engineContext, openSession, type GlobalOptions, type Session } from '../../session/session.js';
import { describePlan } from './plan.js';
import { RunStop } from '../../model/stop-signal.js';
import { tookPath } from '../../model/code-paths.js';

export interface RunOptions extends GlobalOptions {
  input: string[];
  inputsJson?: string;
  json?: boolean;
  plan?: boolean;
  junit?: string;
  quiet?: boolean;
  verbose?: boolean;
}

export async function runCommand(skillName: string, opts: RunOptions, io: Io): Promise<number> {
  const session = await openSession({ ...opts, root: opts.root ?? rootOfSkillPath(skillName, io) }, io);
  try {
    return await runWith(session, skillName, opts, io);
  } finally {
    await session.close();
  }
}

async function runWith(session: Session, skillName: string, opts: RunOptions, io: Io): Promise<number> {
  const skill = await session.loadSkill(skillName);
  const given = parsePairs(opts.input, opts.inputsJson, '--input');
  if (opts.plan) return describePlan(skill, session, opts.json === true, io);
  // Every static check before the first step: a problem anywhere means nothing runs (exit 2).
  const { checkBeforeRun } = await import('../../validate/check-before-run.js');
  const problems = await checkBeforeRun(skill, session.registry, session.loadSkill, session.project.config);
  if (problems.length) throw new ValidationError(problems);
  const reporters = await chooseReporters(opts, io);
  // Not Node's AbortController: creating one costs a start ~2 ms (model/stop-signal.ts).
  const controller = new RunStop();
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
    result = await runSkill(skill, given, engineContext(session, io, emit, controller.signal, undefined, opts.verbose === true));
  } finally {
    off?.();
  }
  if (interrupted) result.error = { code: 'INTERRUPTED', message: `interrupted by ${interrupted}` };
  for (const r of reporters) await r.finish(result);
  if (opts.json) {
    const json = JSON.stringify(runDocument(result));
    io.stdout.write(`${onGithub(io) ? (await import('../../report/github-log.js')).commandSafeJson(json) : json}\n`);
  }
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
  const github = onGithub(io);
  const { PlainReporter, noPaint } = await import('../../report/plain-reporter.js');
  // On GitHub the log carries tool output and memory text: no line of it may act as a workflow command.
  const safe = github ? (await import('../../report/github-log.js')).commandSafeWriter : (w: Io['stdout']) => w;
  let log: Reporter;
  if (opts.json) {
    tookPath('report:json');
    // The log goes to stderr, so whether it is a terminal decides the colour.
    const errLevel = colorLevel({ ...io, stdout: io.stderr });
    log = new PlainReporter(safe(io.stderr), errLevel ? await painter(errLevel) : noPaint, { showOutputs: false, cwd: io.cwd, quiet: opts.quiet, heartbeatMs: heartbeatMs(io) });
  } else if (isInteractive(io) && io.stdout.stream && !github) {
    // Each reporter's code is in the code cache once a start has used it (model/code-paths.ts).
    tookPath('report:terminal');
    const { TerminalReporter } = await import('../../report/terminal-reporter.js');
    log = await TerminalReporter.create({ write: io.stdout.write, stream: io.stdout.stream }, level, io.cwd, opts.quiet);
  } else {
    log = new PlainReporter(safe(io.stdout), level ? await painter(level) : noPaint, { cwd: io.cwd, quiet: opts.quiet, heartbeatMs: heartbeatMs(io) });
  }
  if (github) {
    tookPath('report:github');
    const { GithubReporter } = await import('../../report/github-reporter.js');
    log = new GithubReporter(opts.json ? io.stderr : io.stdout, io.env, { cwd: io.cwd, log });
  }
  const reporters = [log];
  if (opts.junit) {
    tookPath('report:junit');
    const { JunitReporter } = await import('../../report/junit-reporter.js');
    reporters.push(new JunitReporter(opts.junit, { cwd: io.cwd }));
  }
  return reporters;
}

function onGithub(io: Io): boolean {
  return io.env.GITHUB_ACTIONS === 'true';
}

async function painter(level: 1 | 2 | 3) {
  const { Chalk } = await import('chalk');
  const c = new Chalk({ level });
  return { ok: c.green, bad: c.red, warn: c.yellow, dim: c.dim, bold: c.bold };
}

/**
 * `aiw run /elsewhere/proj/skills/x.yaml`: the project is the one the file is in (its tools, config
 * and memory), not the one the shell happens to be in. --root and AIW_ROOT still win.
 */
function rootOfSkillPath(skill: string, io: Io): string | undefined {
  if (io.env.AIW_ROOT || !(skill.includes('/') || /\.ya?ml$/.test(skill))) return undefined;
  return projectAbove(dirname(resolve(io.cwd, skill)));
}

/**
 * In CI a step that prints nothing for minutes looks like a hung job: a "still running" line every
 * 30 s (AIW_HEARTBEAT=<seconds> to change it, 0 for none). A terminal has its spinner instead.
 */
function heartbeatMs(io: Io): number {
  const given = io.env.AIW_HEARTBEAT;
  if (given !== undefined && given.trim() !== '' && Number.isFinite(Number(given))) return Math.max(0, Number(given)) * 1000;
  return isCi(io.env) ? 30_000 : 0;
}
