import { AiwError, errorMessage } from '../errors/errors.js';
import type { Healer } from '../heal/healer.js';
import { isReturnItem, type ReturnItem, type Skill, type Step } from '../model/skill.js';
import { evaluateCondition, renderValue, type Scope } from '../template/render.js';
import { parseDuration } from '../source/duration.js';
import { prepareCall } from '../tools/execute-tool.js';
import type { ToolRegistry } from '../tools/registry.js';
import { ComputeSandbox, DEFAULT_COMPUTE_TIMEOUT_MS } from './compute-sandbox.js';
import { ComputeProcess } from './compute-process.js';
import type { EventSink } from '../model/events.js';
import { resolveInputs } from './inputs.js';
import type { HealRecord, KnownIssueMatch, RunResult, RunStatus, StepResult } from '../model/run.js';

const MAX_DEPTH = 8;

/** Everything a run shares: where things are, the tools, the heal state, and where events go. */
export interface EngineContext {
  registry: ToolRegistry;
  loadSkill(name: string): Promise<Skill>;
  config: Record<string, unknown>;
  env: NodeJS.ProcessEnv;
  emit: EventSink;
  healer: Healer;
  runId: string;
  signal?: AbortSignal;
}

/** Unique enough to tell runs apart in the attempt log; not a secret, so no crypto start-up cost. */
export function newRunId(): string {
  const rand = Math.floor(Math.random() * 0xffffffff).toString(16).padStart(8, '0');
  return `${new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)}-${rand}`;
}

/** What templates and compute code see as `steps.<name>`. */
interface StepState {
  status: string;
  error: string | null;
  attempts: number;
  failure_class: string | null;
  heals: HealRecord[];
  known_issues: KnownIssueMatch[];
}

interface RunState {
  skill: Skill;
  depth: number;
  scope: Scope;
  stepStates: Record<string, StepState>;
  sandbox?: ComputeSandbox;
  failed: boolean;
  partial: boolean;
  returned?: { value: unknown };
  error?: string;
}

/** Run a skill to the end (or to its first failing `on_error: fail` step, or to a `return:`). */
export async function runSkill(skill: Skill, given: Record<string, unknown>, ctx: EngineContext, depth = 0): Promise<RunResult> {
  const started = performance.now();
  if (depth > MAX_DEPTH) throw new AiwError('SKILL_FAILED', `skills nested deeper than ${MAX_DEPTH} (does '${skill.name}' call itself?)`);
  const inputs = resolveInputs(skill, given);
  const stepStates: RunState['stepStates'] = {};
  const scope: Scope = { inputs, defaults: skill.defaults, config: ctx.config, env: ctx.env, steps: stepStates };
  const state: RunState = { skill, depth, scope, stepStates, failed: false, partial: false };
  // The compute process starts while the first steps run, and only for a skill with compute code.
  if (hasCompute(skill)) computeProcessFor(ctx).start();
  try {
    return await runState(state, ctx, started);
  } finally {
    state.sandbox?.close();
    if (depth === 0) closeComputeProcess(ctx);
  }
}

async function runState(state: RunState, ctx: EngineContext, started: number): Promise<RunResult> {
  const { skill, scope, depth } = state;
  const inputs = scope.inputs as Record<string, unknown>;
  ctx.emit({ kind: 'run-start', runId: ctx.runId, skill: skill.name, inputs, depth, file: skill.file });
  const steps = await runItems(skill.steps, state, ctx);
  const outputs: Record<string, unknown> = {};
  if (!state.failed && !state.returned) {
    for (const out of skill.outputs) {
      try {
        outputs[out.name] = out.compute !== undefined
          ? await sandboxFor(state, ctx).run(out.compute, { what: `output '${out.name}'`, file: skill.file, line: out.computeLine ?? out.line }, ctx.signal)
          : renderValue(out.value, scope, { what: `output '${out.name}'`, location: { file: skill.file, line: out.line } });
        scope[out.name] ??= outputs[out.name];
      } catch (err) {
        state.failed = true;
        state.error = errorMessage(err);
        break;
      }
    }
  }
  const status: RunStatus = state.failed ? 'failed' : state.partial ? 'partial' : 'success';
  const result: RunResult = {
    skill: skill.name, status, inputs, steps, outputs, duration_ms: Math.round(performance.now() - started),
    run_id: ctx.runId, file: skill.file,
  };
  if (state.returned) result.returned = state.returned.value;
  if (state.error) result.error = state.error;
  ctx.emit({ kind: 'run-end', result, depth });
  return result;
}

async function runItems(items: Array<Step | ReturnItem>, state: RunState, ctx: EngineContext): Promise<StepResult[]> {
  const results: StepResult[] = [];
  for (const item of items) {
    if (state.failed || state.returned) break;
    if (ctx.signal?.aborted) {
      state.failed = true;
      state.error = 'interrupted';
      break;
    }
    if (isReturnItem(item)) {
      try {
        state.returned = { value: renderValue(item.return, state.scope, { what: 'return', location: { file: state.skill.file, line: item.line } }) };
      } catch (err) {
        state.failed = true;
        state.error = errorMessage(err);
      }
      break;
    }
    results.push(await runStep(item, state, ctx));
  }
  return results;
}

async function runStep(step: Step, state: RunState, ctx: EngineContext): Promise<StepResult> {
  const { skill, depth } = state;
  const started = performance.now();
  const where = { what: `step '${step.name}'`, location: { file: skill.file, line: step.line } };
  ctx.emit({ kind: 'step-start', skill: skill.name, step: step.name, type: step.type, depth, line: step.line, file: skill.file, description: step.description });
  let result: StepResult;
  if (step.condition !== undefined && !safeCondition(step, state, where)) {
    result = { name: step.name, type: step.type, status: 'skipped', duration_ms: 0, line: step.line };
  } else {
    try {
      result = await execute(step, state, ctx, where);
    } catch (err) {
      result = { name: step.name, type: step.type, status: 'failed', error: errorMessage(err), duration_ms: 0, line: step.line };
      if (step.type === 'tool') result.tool = step.tool;
    }
    result.duration_ms = Math.round(performance.now() - started);
    result.line = step.line;
  }
  record(step, result, state);
  ctx.emit({ kind: 'step-end', skill: skill.name, depth, result, file: skill.file });
  return result;
}

function safeCondition(step: Step, state: RunState, where: { what: string; location: { file: string; line: number } }): boolean {
  return evaluateCondition(step.condition!, state.scope, { ...where, what: `${where.what} condition` });
}

async function execute(step: Step, state: RunState, ctx: EngineContext, where: { what: string; location: { file: string; line: number } }): Promise<StepResult> {
  const base = { name: step.name, type: step.type, duration_ms: 0 };
  switch (step.type) {
    case 'tool': {
      const tool = ctx.registry.get(step.tool!);
      const args = renderValue(step.args ?? {}, state.scope, { ...where, what: `${where.what} args` }) as Record<string, unknown>;
      const prepared = prepareCall(tool, args);
      const outcome = await ctx.healer.call({
        prepared, skill: state.skill.name, step: step.name, depth: state.depth, scope: state.scope,
        policy: {
          onError: step.on_error ?? 'fail', detectFailure: step.detect_failure, quickFix: step.quick_fix, retry: step.retry,
          failedWhen: step.failed_when, timeoutMs: parseDuration(step.timeout, `${where.what} timeout`),
        },
      });
      const r: StepResult = { ...base, tool: tool.name, status: outcome.status, attempts: outcome.attempts };
      if (outcome.result.ok) r.output = outcome.result.output;
      else r.error = outcome.result.error;
      if (outcome.heals.length) r.heals = outcome.heals;
      if (outcome.classification !== undefined) r.classification = outcome.classification;
      if (outcome.knownIssues.length) r.known_issues = outcome.knownIssues;
      return r;
    }
    case 'compute': {
      const output = await sandboxFor(state, ctx).run(step.compute!, { what: `step '${step.name}' compute`, file: state.skill.file, line: step.computeLine ?? step.line }, ctx.signal);
      return { ...base, status: 'success', output };
    }
    case 'skill': {
      const child = await ctx.loadSkill(step.skill!);
      const inputs = renderValue(step.inputs ?? {}, state.scope, { ...where, what: `${where.what} inputs` }) as Record<string, unknown>;
      const run = await runSkill(child, inputs, ctx, state.depth + 1);
      const output = run.returned !== undefined && !Object.keys(run.outputs).length ? run.returned : run.outputs;
      const r: StepResult = { ...base, status: run.status === 'failed' ? 'failed' : 'success', output, steps: run.steps };
      // A child that went on past a failed step leaves the parent partial too, never quietly green.
      if (run.status === 'partial') state.partial = true;
      if (run.status === 'failed') r.error = `skill '${child.name}' failed${run.error ? `: ${run.error}` : ''}`;
      return r;
    }
    case 'then': {
      const steps = await runItems(step.then!, state, ctx);
      const r: StepResult = { ...base, status: state.failed ? 'failed' : 'success', steps };
      if (state.returned) r.output = state.returned.value;
      if (state.failed) {
        // The failing inner step already stopped the skill; this step reports it without stopping twice.
        r.error = steps.find((s) => s.status === 'failed')?.error ?? state.error;
        state.failed = false;
      }
      return r;
    }
    case 'description':
      return { ...base, status: 'success' };
  }
}

/** Store a finished step's output and status where later steps, templates and compute code see them. */
function record(step: Step, result: StepResult, state: RunState): void {
  state.stepStates[step.name] = {
    status: result.status, error: result.error ?? null, attempts: result.attempts ?? (result.status === 'skipped' ? 0 : 1),
    failure_class: result.classification?.class ?? null, heals: result.heals ?? [], known_issues: result.known_issues ?? [],
  };
  const outName = step.output ?? step.name;
  if (result.status === 'success' || result.status === 'healed') {
    if (step.type !== 'description' && !(step.type === 'then' && result.output === undefined)) {
      state.scope[outName] = result.output;
      state.sandbox?.set(outName, result.output);
    }
  }
  if (result.status === 'failed' || result.status === 'skipped') {
    // Defined but undefined: compute code can test `if (!pods)` instead of hitting a ReferenceError.
    if (!(outName in state.scope)) {
      state.scope[outName] = undefined;
      state.sandbox?.set(outName, undefined);
    }
  }
  if (result.status === 'failed') {
    const mode = step.on_error ?? 'fail';
    if (mode === 'fail') {
      state.failed = true;
      state.error ??= `step '${step.name}' failed: ${result.error ?? 'unknown error'}`;
    } else {
      state.partial = true;
    }
  }
  state.sandbox?.setMember('steps', step.name, state.stepStates[step.name]);
}

function sandboxFor(state: RunState, ctx: EngineContext): ComputeSandbox {
  if (!state.sandbox) {
    const limit = parseDuration(state.skill.computeTimeout ?? (state.scope.config as Record<string, unknown>)?.compute_timeout as string | undefined, 'compute_timeout', DEFAULT_COMPUTE_TIMEOUT_MS);
    const sandbox = new ComputeSandbox(computeProcessFor(ctx), limit);
    for (const name of ['inputs', 'defaults', 'config', 'steps']) sandbox.set(name, state.scope[name]);
    for (const [name, value] of Object.entries(state.scope)) {
      if (!['inputs', 'defaults', 'config', 'steps', 'env'].includes(name)) sandbox.set(name, value);
    }
    state.sandbox = sandbox;
  }
  return state.sandbox;
}

// One compute process per run, nested skills included; keyed by the run's context object.
const computeProcesses = new WeakMap<EngineContext, ComputeProcess>();

function computeProcessFor(ctx: EngineContext): ComputeProcess {
  let host = computeProcesses.get(ctx);
  if (!host) computeProcesses.set(ctx, (host = new ComputeProcess()));
  return host;
}

function closeComputeProcess(ctx: EngineContext): void {
  computeProcesses.get(ctx)?.close();
  computeProcesses.delete(ctx);
}

function hasCompute(skill: Skill): boolean {
  const inSteps = (items: Array<Step | ReturnItem>): boolean =>
    items.some((item) => !isReturnItem(item) && (item.compute !== undefined || (item.then !== undefined && inSteps(item.then))));
  return inSteps(skill.steps) || skill.outputs.some((o) => o.compute !== undefined);
}
