import { AiwError } from '../errors/errors.js';
import { runSkill } from '../engine/run-skill.js';
import { formatKnownIssues } from '../learn/known-issue-text.js';
import type { EngineEvent } from '../model/events.js';
import type { RunResult } from '../model/run.js';
import { runDocument } from '../report/json-document.js';
import { countSteps, formatDuration, formatValue, runErrorText, stepErrorText } from '../report/reporter.js';
import { redact } from '../secrets/redact.js';
import { engineContext, openSession, type GlobalOptions, type Session, type SessionIo } from '../session/session.js';
import { executeTool, prepareCall } from '../tools/execute-tool.js';
import { answer, errorAnswer, type CallAnswer } from './answers.js';
import { buildCatalog, loadSkills, type Target } from './catalog.js';
import { memoryFailures, memoryStats, planSkill } from './views.js';

export interface ServeOptions {
  globals: GlobalOptions;
  io: SessionIo;
  readOnly: boolean;
}

/** What the MCP request gives a call: cancellation and a way to report progress. */
export interface CallExtra {
  signal: AbortSignal;
  progress?: (progress: number, total: number | undefined, message: string) => void;
}

/**
 * One tools/call. Each call opens its own session, so edits to skills and tools show at once and
 * the MCP servers a run starts are stopped when it ends. Every failure is an answer with isError,
 * never an exception that would reach the transport.
 */
export async function callTool(name: string, args: Record<string, unknown>, opts: ServeOptions, extra: CallExtra): Promise<CallAnswer> {
  let session: Session | undefined;
  try {
    session = await openSession(opts.globals, opts.io);
    const catalog = buildCatalog(await loadSkills(session.project), session.registry, opts.readOnly);
    const exposed = catalog.find((t) => t.name === name);
    if (!exposed) {
      const { closestNames } = await import('../errors/did-you-mean.js');
      const near = closestNames(name, catalog.map((t) => t.name));
      throw new AiwError('UNKNOWN_TOOL', `unknown tool '${name}'${opts.readOnly ? ' (the server is read-only)' : ''}`, {
        hint: near.length ? `did you mean ${near.map((n) => `'${n}'`).join(', ')}?` : 'list the tools with tools/list',
      });
    }
    return await dispatch(exposed.target, args, session, opts, extra);
  } catch (err) {
    return errorAnswer(err);
  } finally {
    await session?.close();
  }
}

async function dispatch(target: Target, args: Record<string, unknown>, session: Session, opts: ServeOptions, extra: CallExtra): Promise<CallAnswer> {
  switch (target.kind) {
    case 'list_skills': {
      const skills = (await loadSkills(session.project)).map((e) => ({
        name: e.name, description: e.skill?.description ?? '', file: e.file, inputs: e.skill?.inputs.map((i) => i.name) ?? [], error: e.error,
      }));
      const text = skills.map((s) => `${s.name}${s.error ? `  INVALID: ${s.error.split('\n')[0]}` : s.description ? `  ${s.description}` : ''}`).join('\n');
      return answer(text || `no skills in ${session.project.skillsDir}`, { skills });
    }
    case 'plan_skill':
      return planSkill(session, stringArg(args, 'skill'));
    case 'run_skill':
      return runSkillCall(stringArg(args, 'skill'), objectArg(args, 'inputs'), session, opts, extra);
    case 'skill':
      return runSkillCall(target.skill, args, session, opts, extra);
    case 'tool':
      return toolCall(target.tool, args, session, opts, extra);
    case 'learning': {
      const result = await executeTool(prepareCall(session.registry.get(target.tool), args), {
        config: session.project.config, env: opts.io.env, signal: extra.signal,
      });
      if (!result.ok) return answer(`✖ ${target.tool} failed: ${result.error ?? ''}`, { error: result.error }, true);
      const output = result.output as Record<string, unknown> & { text: string };
      return answer(output.text, output);
    }
    case 'memory_failures':
      return memoryFailures(session, args);
    case 'memory_stats':
      return memoryStats(session);
  }
}

async function runSkillCall(name: string, given: Record<string, unknown>, session: Session, opts: ServeOptions, extra: CallExtra): Promise<CallAnswer> {
  const skill = await session.loadSkill(name);
  const total = skill.steps.length;
  let done = 0;
  const emit = (e: EngineEvent) => {
    if (!extra.progress || e.kind === 'warning' || e.depth !== 0) return;
    if (e.kind === 'step-start') extra.progress(done, total, `step '${e.step}' running`);
    if (e.kind === 'step-end') extra.progress(++done, total, `step '${e.result.name}': ${e.result.status}`);
  };
  const result = await runSkill(skill, given, engineContext(session, opts.io, emit, extra.signal));
  if (extra.signal.aborted) result.error = { code: 'INTERRUPTED', message: 'cancelled by the client' };
  return answer(`${runSummary(result, session)}\n\n${JSON.stringify(runDocument(result), null, 2)}`, runDocument(result), result.status === 'failed');
}

/** A short report: the status line, each failed step's error, the outputs. */
function runSummary(result: RunResult, session: Session): string {
  const c = countSteps(result);
  const lines = [`${result.status === 'failed' ? '✖' : '✔'} skill '${result.skill}' ${result.status} in ${formatDuration(result.duration_ms)}: ${c.succeeded} ok, ${c.healed} healed, ${c.failed} failed, ${c.skipped} skipped`];
  for (const s of result.steps) if (s.status === 'failed') lines.push(`  step '${s.name}' failed: ${redact(s.error ? stepErrorText(s.error, session.project.root) : '')}`);
  if (result.error) lines.push(`error: ${runErrorText(result.error, session.project.root)}`);
  if (Object.keys(result.outputs).length) lines.push(`outputs: ${formatValue(result.outputs)}`);
  return lines.join('\n');
}

/** `aiw tool` over MCP: the same heal loop and attempt records, and the same text. */
async function toolCall(name: string, args: Record<string, unknown>, session: Session, opts: ServeOptions, extra: CallExtra): Promise<CallAnswer> {
  const tool = session.registry.get(name);
  const prepared = prepareCall(tool, args);
  let attempts = 0;
  const emit = (e: EngineEvent) => {
    if (e.kind === 'attempt-failed') extra.progress?.(++attempts, undefined, `attempt ${e.attempt} of ${e.tool} failed${e.failureClass ? ` [${e.failureClass}]` : ''}`);
    if (e.kind === 'heal') extra.progress?.(attempts, undefined, `fix ${e.heal.fix} for ${e.heal.class}: ${e.heal.fix_success ? 'worked' : 'failed'}`);
  };
  const ctx = engineContext(session, opts.io, emit, extra.signal);
  const outcome = await ctx.healer.call({
    prepared, skill: null, step: null, depth: 0, scope: { config: ctx.config, env: opts.io.env }, policy: { onError: 'auto_heal' },
  });
  const { result } = outcome;
  const data = {
    tool: tool.name, status: outcome.status, ok: result.ok, attempts: outcome.attempts, output: result.output, error: result.error,
    exit_code: result.exitCode, http_status: result.httpStatus, timed_out: result.timedOut, duration_ms: result.durationMs,
    heals: outcome.heals, classification: outcome.classification, known_issues: outcome.knownIssues,
    interrupted: extra.signal.aborted || undefined,
  };
  if (result.ok) {
    return answer(`${formatValue(result.output)}${outcome.status === 'healed' ? `\nhealed after ${outcome.attempts} attempts` : ''}`, data);
  }
  const lines = [`✖ ${tool.name} failed${outcome.classification ? ` [${outcome.classification.class}: matched '${outcome.classification.pattern}']` : ''}: ${result.error ?? ''}`];
  lines.push(...formatKnownIssues(outcome.knownIssues, ''));
  if (!outcome.knownIssues.length) lines.push(`no known issue matches; call debug_tool with tool_name '${tool.name}' and the error text`);
  return answer(lines.join('\n'), data, true);
}

function stringArg(args: Record<string, unknown>, name: string): string {
  const v = args[name];
  if (typeof v !== 'string' || !v) throw new AiwError('INPUT', `'${name}' must be a non-empty string`);
  return v;
}

function objectArg(args: Record<string, unknown>, name: string): Record<string, unknown> {
  const v = args[name] ?? {};
  if (typeof v !== 'object' || Array.isArray(v) || v === null) throw new AiwError('INPUT', `'${name}' must be an object`);
  return v as Record<string, unknown>;
}
