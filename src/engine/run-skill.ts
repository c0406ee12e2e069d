import { AiwError } from '../errors/errors.js';
import type { Healer } from '../heal/healer.js';
import { outcomeResult } from '../heal/outcome-result.js';
import { isReturnItem, type ReturnItem, type Skill, type Step } from '../model/skill.js';
import type { Scope } from '../template/render.js';
import { parseDuration } from '../source/duration.js';
import { prepareCall } from '../tools/execute-tool.js';
import type { ToolRegistry } from '../tools/registry.js';
import { closeComputeProcess, computeProcessFor, dialectOf, hasCompute, JavaScriptDialect, type ComputeWhere, type Dialect } from './dialect.js';
import type * as PythonModule from './python-dialect.js';
import type { EventSink } from '../model/events.js';
import { resolveInputs } from './inputs.js';
import type { HealRecord, KnownIssueMatch, RunResult, RunStatus, StepError, StepResult } from '../model/run.js';
import { toStepError } from '../model/step-error.js';
import { monotonicMs } from '../model/clock.js';
import type { StopSignal } from '../model/stop-signal.js';
import { tookPath } from '../model/code-paths.js';

const MAX_DEPTH = 8;
// Compute steps told ahead at most at once (each batch is one request to the compute process).
const AHEAD_MAX = 64;
let pythonLoaded: typeof PythonModule | undefined;

/** Everything a run shares: where things are, the tools, the heal state, and where events go. */
export interface EngineContext {
  registry: ToolRegistry;
  loadSkill(name: string): Promise<Skill>;
  config: Record<string, unknown>;
  env: NodeJS.ProcessEnv;
  emit: EventSink;
  healer: Healer;
  runId: string;
  signal?: StopSignal;
  /** The project root: the working directory of Python compute, and on its `sys.path`. */
  root?: string;
}

/** Unique enough to tell runs apart in the attempt log; not a secret, so no crypto start-up cost. */
export function newRunId(): string {
  const rand = Math.floor(Math.random() * 0xffffffff).toString(16).padStart(8, '0');
  // From the UTC fields: Date#toISOString's first call loads the local time zone (~0.2 ms of a start).
  const d = new Date();
  const two = (n: number) => String(n).padStart(2, '0');
  const stamp = `${d.getUTCFullYear()}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}T${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}`;
  return `${stamp}-${rand}`;
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
  dialect: Dialect;
  /** The Python dialect's module, for a `dialect: python` skill. */
  py?: typeof PythonModule;
  failed: boolean;
  partial: boolean;
  returned?: { value: unknown };
  error?: StepError;
}

/** Run a skill to the end (or to its first failing `on_error: fail` step, or to a `return:`). */
export async function runSkill(skill: Skill, given: Record<string, unknown>, ctx: EngineContext, depth = 0): Promise<RunResult> {
  const started = monotonicMs();
  if (depth > MAX_DEPTH) throw new AiwError('SKILL_FAILED', `skills nested deeper than ${MAX_DEPTH} (does '${skill.name}' call itself?)`);
  const inputs = resolveInputs(skill, given);
  const stepStates: RunState['stepStates'] = {};
  const scope: Scope = { inputs, defaults: skill.defaults, config: ctx.config, env: ctx.env, steps: stepStates };
  const python = dialectOf(skill, ctx.config) === 'python';
  // Loaded only for a Python skill: a JavaScript run neither loads this code nor starts Python.
  if (python) tookPath('dialect:python');
  const py = python ? (pythonLoaded ??= await import('./python-dialect.js')) : undefined;
  const dialect = py ? new py.PythonDialect(py.pythonRuntimeFor(ctx, { python: ctx.env.AIW_PYTHON || 'python3', root: ctx.root ?? process.cwd(), env: ctx.env, signal: ctx.signal }), skill, scope, ctx.emit)
    : new JavaScriptDialect(skill, scope, computeProcessFor(ctx), ctx.signal);
  // The compute process starts while the first steps run, and only for a skill with compute code.
  if (!py && hasCompute(skill)) computeProcessFor(ctx).start();
  const state: RunState = { skill, depth, scope, stepStates, dialect, py, failed: false, partial: false };
  ctx.emit({ kind: 'run-start', runId: ctx.runId, skill: skill.name, inputs, depth, file: skill.file });
  const outputs: Record<string, unknown> = {};
  let steps: StepResult[];
  try {
    steps = await runItems(skill.steps, state, ctx);
    if (!state.failed && !state.returned) {
      for (const out of skill.outputs) {
        try {
          outputs[out.name] = out.compute !== undefined
            ? await dialect.compute(out.compute, { what: `output '${out.name}'`, file: skill.file, line: out.computeLine ?? out.line, output: out.name })
            : await dialect.render(out.value, { what: `output '${out.name}'`, location: { file: skill.file, line: out.line } });
          if (scope[out.name] === undefined) {
            scope[out.name] = outputs[out.name];
            dialect.set(out.name, outputs[out.name]);
          }
        } catch (err) {
          state.failed = true;
          state.error = toStepError(err, { file: skill.file, line: out.line });
          break;
        }
      }
    }
  } finally {
    dialect.end();
    // One Python worker and one compute process per run: they go when the outermost skill ends (or on Ctrl-C, at once).
    if (depth === 0) {
      pythonLoaded?.closePythonRuntime(ctx);
      closeComputeProcess(ctx);
    }
  }
  const status: RunStatus = state.failed ? 'failed' : state.partial ? 'partial' : 'success';
  const result: RunResult = {
    skill: skill.name, status, inputs, steps, outputs, duration_ms: Math.round(monotonicMs() - started),
    run_id: ctx.runId, file: skill.file,
  };
  if (state.returned) result.returned = state.returned.value;
  if (state.error) result.error = state.error;
  ctx.emit({ kind: 'run-end', result, depth });
  return result;
}

async function runItems(items: Array<Step | ReturnItem>, state: RunState, ctx: EngineContext): Promise<StepResult[]> {
  const results: StepResult[] = [];
  let aheadUntil = 0;
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    if (state.failed || state.returned) break;
    if (ctx.signal?.aborted) {
      state.failed = true;
      state.error = { code: 'INTERRUPTED', message: 'interrupted' };
      break;
    }
    if (isReturnItem(item)) {
      try {
        state.returned = { value: await state.dialect.render(item.return, { what: 'return', location: { file: state.skill.file, line: item.line } }) };
      } catch (err) {
        state.failed = true;
        state.error = toStepError(err, { file: state.skill.file, line: item.line });
      }
      break;
    }
    if (i >= aheadUntil && state.dialect.ahead && plainCompute(item)) aheadUntil = tellAhead(items, i, state);
    results.push(await runStep(item, state, ctx));
  }
  return results;
}

/** A compute step that runs whenever it is reached (no condition). */
function plainCompute(item: Step | ReturnItem): item is Step {
  return !isReturnItem(item) && item.type === 'compute' && item.condition === undefined;
}

/** Tell the dialect of the run of plain compute steps from `i` on; returns where the run ends. */
function tellAhead(items: Array<Step | ReturnItem>, i: number, state: RunState): number {
  let end = i;
  while (end < items.length && end - i < AHEAD_MAX && plainCompute(items[end]!)) end++;
  if (end - i > 1) {
    state.dialect.ahead!(items.slice(i, end).map((item) => {
      const step = item as Step;
      const where = computeWhere(step, state);
      return { code: step.compute!, file: where.file, line: where.line, output: where.output, step: step.name };
    }));
  }
  return end;
}

function computeWhere(step: Step, state: RunState): ComputeWhere {
  return { what: `step '${step.name}' compute`, file: state.skill.file, line: step.computeLine ?? step.line, output: step.output ?? step.name };
}

async function runStep(step: Step, state: RunState, ctx: EngineContext): Promise<StepResult> {
  const { skill, depth } = state;
  const started = monotonicMs();
  const where = { what: `step '${step.name}'`, location: { file: skill.file, line: step.line } };
  ctx.emit({ kind: 'step-start', skill: skill.name, step: step.name, type: step.type, depth, line: step.line, file: skill.file, description: step.description, tool: step.tool });
  let result: StepResult;
  if (step.condition !== undefined && !(await safeCondition(step, state, where, ctx))) {
    result = { name: step.name, type: step.type, status: 'skipped', duration_ms: 0, line: step.line, file: skill.file };
  } else {
    try {
      result = await execute(step, state, ctx, where);
    } catch (err) {
      result = { name: step.name, type: step.type, status: 'failed', error: toStepError(err, where.location), duration_ms: 0, line: step.line };
      // A compute block past its time limit fails with the healer's class `timeout`.
      const failureClass = (err as { failureClass?: unknown }).failureClass;
      if (typeof failureClass === 'string') result.classification = { class: failureClass, pattern: 'time limit' };
      if (step.type === 'tool') result.tool = step.tool;
    }
    result.duration_ms = Math.round(monotonicMs() - started);
    result.line = step.line;
    result.file = skill.file;
  }
  record(step, result, state);
  ctx.emit({ kind: 'step-end', skill: skill.name, depth, result, file: skill.file });
  return result;
}

function safeCondition(step: Step, state: RunState, where: { what: string; location: { file: string; line: number } }, ctx: EngineContext): Promise<boolean> {
  return state.dialect.condition(step.condition!, { ...where, what: `${where.what} condition` }, (message) =>
    ctx.emit({ kind: 'warning', message: `${where.location.file}:${where.location.line}: ${message}` }));
}

async function execute(step: Step, state: RunState, ctx: EngineContext, where: { what: string; location: { file: string; line: number } }): Promise<StepResult> {
  const base = { name: step.name, type: step.type, duration_ms: 0 };
  tookPath(`step:${step.type}`);
  switch (step.type) {
    case 'tool': {
      const tool = ctx.registry.get(step.tool!);
      const args = await state.dialect.render(step.args ?? {}, { ...where, what: `${where.what} args` }) as Record<string, unknown>;
      const prepared = prepareCall(tool, args);
      const outcome = await ctx.healer.call({
        prepared, skill: state.skill.name, step: step.name, depth: state.depth, scope: state.scope,
        policy: {
          onError: step.on_error ?? 'fail', autoHeal: step.auto_heal, detectFailure: step.detect_failure, quickFix: step.quick_fix, retry: step.retry,
          failedWhen: step.failed_when, timeoutMs: parseDuration(step.timeout, `${where.what} timeout`),
        },
      });
      return outcomeResult(step.name, tool.name, outcome, where.location);
    }
    case 'compute': {
      const output = await state.dialect.compute(step.compute!, computeWhere(step, state));
      return { ...base, status: 'success', output };
    }
    case 'skill': {
      const child = await ctx.loadSkill(step.skill!);
      const inputs = await state.dialect.render(step.inputs ?? {}, { ...where, what: `${where.what} inputs` }) as Record<string, unknown>;
      const run = await runSkill(child, inputs, ctx, state.depth + 1);
      const output = run.returned !== undefined && !Object.keys(run.outputs).length ? run.returned : run.outputs;
      const r: StepResult = { ...base, status: run.status === 'failed' ? 'failed' : 'success', output, steps: run.steps };
      // A child that went on past a failed step leaves the parent partial too, never quietly green.
      if (run.status === 'partial') state.partial = true;
      // The child's own error (its file and line) is what a reader needs; the step says which skill.
      if (run.status === 'failed') r.error = run.error ?? { code: 'SKILL_FAILED', message: `skill '${child.name}' failed`, location: where.location };
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
    status: result.status, error: result.error?.message ?? null, attempts: result.attempts ?? (result.status === 'skipped' ? 0 : 1),
    failure_class: result.classification?.class ?? null, heals: result.heals ?? [], known_issues: result.known_issues ?? [],
  };
  const outName = step.output ?? step.name;
  if (result.status === 'success' || result.status === 'healed') {
    if (step.type !== 'description' && !(step.type === 'then' && result.output === undefined)) {
      state.scope[outName] = result.output;
      state.dialect.set(outName, result.output);
      // The original also stored a tool's `key: value` lines as a dict, `<output>_parsed`.
      const parsed = state.py && step.type === 'tool' ? state.py.parsedLines(result.output) : undefined;
      if (parsed) {
        state.scope[`${outName}_parsed`] = parsed;
        state.dialect.set(`${outName}_parsed`, parsed);
      }
    }
  }
  if (result.status === 'failed' || result.status === 'skipped') {
    // Defined but undefined: compute code can test `if (!pods)` instead of hitting a ReferenceError.
    if (!(outName in state.scope)) {
      state.scope[outName] = undefined;
      state.dialect.set(outName, undefined);
    }
  }
  if (result.status === 'failed') {
    // In the original, a failing Python block failed its step and the skill went on.
    const mode = step.on_error ?? (state.py && step.type === 'compute' ? 'continue' : 'fail');
    if (mode === 'fail') {
      state.failed = true;
      state.error ??= { ...(result.error ?? { code: 'SKILL_FAILED', message: 'failed' }), step: step.name };
    } else {
      state.partial = true;
      result.tolerated = true;
    }
  }
  state.dialect.setMember('steps', step.name, state.stepStates[step.name]);
}
