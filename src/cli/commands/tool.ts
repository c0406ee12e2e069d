import type { EngineEvent } from '../../model/events.js';
import { EXIT } from '../../errors/errors.js';
import { prepareCall } from '../../tools/execute-tool.js';
import { redact, redactValue } from '../../secrets/redact.js';
import { formatValue } from '../../report/reporter.js';
import { formatKnownIssues } from '../../learn/known-issue-text.js';
import { PlainReporter, noPaint } from '../../report/plain-reporter.js';
import type { Io } from '../io.js';
import { parsePairs } from '../parse-pairs.js';
import { engineContext, openSession, type GlobalOptions, type Session } from '../../session/session.js';

export interface ToolOptions extends GlobalOptions {
  arg: string[];
  argsJson?: string;
  json?: boolean;
  heal?: boolean;
}

/** `aiw tool`: one tool call through the same heal loop a step uses (auto_heal unless --no-heal). */
export async function toolCommand(name: string, opts: ToolOptions, io: Io): Promise<number> {
  const session = await openSession(opts, io);
  try {
    return await callWith(session, name, opts, io);
  } finally {
    await session.close();
  }
}

async function callWith(session: Session, name: string, opts: ToolOptions, io: Io): Promise<number> {
  const tool = session.registry.get(name);
  const prepared = prepareCall(tool, parsePairs(opts.arg, opts.argsJson, '--arg'));
  const controller = new AbortController();
  let interrupted = false;
  const off = io.onInterrupt?.(() => ((interrupted = true), controller.abort()));
  const log = new PlainReporter(io.stderr, noPaint, false);
  const emit = (e: EngineEvent) => {
    if (e.kind !== 'known-issues') log.onEvent(e);
  };
  const ctx = engineContext(session, io, emit, controller.signal);
  let outcome;
  try {
    outcome = await ctx.healer.call({
      prepared, skill: null, step: null, depth: 0, scope: { config: ctx.config, env: io.env },
      policy: { onError: opts.heal === false ? 'fail' : 'auto_heal' },
    });
  } finally {
    off?.();
  }
  const { result } = outcome;
  if (opts.json) {
    io.stdout.write(`${JSON.stringify(redactValue({
      tool: tool.name, status: outcome.status, ok: result.ok, attempts: outcome.attempts, output: result.output, error: result.error,
      exit_code: result.exitCode, http_status: result.httpStatus, timed_out: result.timedOut, duration_ms: result.durationMs,
      heals: outcome.heals, classification: outcome.classification, known_issues: outcome.knownIssues,
    }))}\n`);
  } else if (result.ok) {
    io.stdout.write(`${formatValue(result.output)}\n`);
    if (outcome.status === 'healed') io.stderr.write(`healed after ${outcome.attempts} attempts\n`);
  } else {
    io.stderr.write(`✖ ${tool.name} failed${outcome.classification ? ` [${outcome.classification.class}: matched '${outcome.classification.pattern}']` : ''}: ${redact(result.error ?? '')}\n`);
    for (const l of formatKnownIssues(outcome.knownIssues, '')) io.stderr.write(`${l}\n`);
    if (!outcome.knownIssues.length) io.stderr.write(`no known issue matches; run: aiw debug-tool ${tool.name} "<error text>"\n`);
  }
  if (interrupted) return EXIT.interrupted;
  return result.ok ? EXIT.ok : EXIT.failed;
}
