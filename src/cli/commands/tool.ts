import type { EngineEvent } from '../../model/events.js';
import { EXIT } from '../../errors/errors.js';
import { prepareCall } from '../../tools/execute-tool.js';
import { outcomeResult } from '../../heal/outcome-result.js';
import { stepDocument } from '../../report/json-document.js';
import { shellQuote } from '../../tools/shell-quote.js';
import { formatValue } from '../../report/reporter.js';
import { formatKnownIssues } from '../../learn/known-issue-text.js';
import { PlainReporter, noPaint } from '../../report/plain-reporter.js';
import type { Io } from '../io.js';
import { parsePairs } from '../parse-pairs.js';
import { engineContext, openSession, type GlobalOptions, type Session } from '../../session/session.js';
import { RunStop } from '../../model/stop-signal.js';

export interface ToolOptions extends GlobalOptions {
  arg: string[];
  argsJson?: string;
  json?: boolean;
  heal?: boolean;
}

/** `aiw tool`: one tool call through the same heal loop a step uses (auto_heal unless --no-heal). */
export async function toolCommand(name: string, opts: ToolOptions, io: Io): Promise<number> {
  if (io.env.GITHUB_ACTIONS === 'true') io = await commandSafeIo(io, opts.json === true);
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
  // Not Node's AbortController: creating one costs a start ~2 ms (model/stop-signal.ts).
  const controller = new RunStop();
  let interrupted = false;
  const off = io.onInterrupt?.(() => ((interrupted = true), controller.abort()));
  const log = new PlainReporter(io.stderr, noPaint, { showOutputs: false, cwd: io.cwd });
  const emit = (e: EngineEvent) => {
    if (e.kind !== 'known-issues') log.onEvent(e);
  };
  const ctx = engineContext(session, io, emit, controller.signal);
  let outcome;
  try {
    outcome = await ctx.healer.call({
      prepared, skill: null, step: null, depth: 0, scope: { config: ctx.config, env: io.env },
      policy: opts.heal === false ? { onError: 'fail', autoHeal: false } : { onError: 'auto_heal' },
    });
  } finally {
    off?.();
  }
  const { result } = outcome;
  if (opts.json) {
    io.stdout.write(`${JSON.stringify(stepDocument(outcomeResult(tool.name, tool.name, outcome)))}\n`);
  } else if (result.ok) {
    io.stdout.write(`${formatValue(result.output)}\n`);
    if (outcome.status === 'healed') io.stderr.write(`healed after ${outcome.attempts} attempts\n`);
  } else {
    io.stderr.write(`✖ ${tool.name} failed${outcome.classification ? ` [${outcome.classification.class}: matched '${outcome.classification.pattern}']` : ''}: ${result.error ?? ''}\n`);
    for (const l of formatKnownIssues(outcome.knownIssues, '')) io.stderr.write(`${l}\n`);
    if (!outcome.knownIssues.length) io.stderr.write(`no known issue matches; run: aiw debug-tool ${shellQuote(tool.name)} "<error text>"\n`);
  }
  if (interrupted) return EXIT.interrupted;
  return result.ok ? EXIT.ok : EXIT.failed;
}

/**
 * On GitHub Actions, tool output, stderr and known-issue text are data: no line of them may act as
 * a workflow command. The JSON document keeps its exact value (`##[` only stands in strings).
 */
async function commandSafeIo(io: Io, json: boolean): Promise<Io> {
  const { commandSafeJson, commandSafeWriter } = await import('../../report/github-log.js');
  const stdout = { ...io.stdout, ...(json ? { write: (t: string) => io.stdout.write(commandSafeJson(t)) } : commandSafeWriter(io.stdout)) };
  return { ...io, stdout, stderr: { ...io.stderr, ...commandSafeWriter(io.stderr) } };
}
