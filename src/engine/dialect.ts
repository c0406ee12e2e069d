import { isReturnItem, type ReturnItem, type Skill, type Step } from '../model/skill.js';
import { skillDialect, type DialectName } from '../model/dialect.js';
import { evaluateCondition, renderValue, type Scope, type TemplateOrigin } from '../template/render.js';
import { parseDuration } from '../source/duration.js';
import { ComputeSandbox, DEFAULT_COMPUTE_TIMEOUT_MS, type AheadBlock } from './compute-sandbox.js';
import { ComputeProcess } from './compute-process.js';
import type { StopSignal } from '../model/stop-signal.js';


/** Where a compute block is: its step (for messages), file, first line, and the name its value goes under. */
export interface ComputeWhere {
  what: string;
  file: string;
  line: number;
  output: string;
}

/**
 * How one running skill renders templates, reads conditions and runs compute code. A skill's
 * dialect decides: JavaScript compute with nunjucks templates (aiw's own), or Python compute with
 * real Jinja2 (`dialect: python`, the project aiw grew from). The engine awaits every call, so a
 * dialect may answer from another process.
 */
export interface Dialect {
  render(value: unknown, origin: TemplateOrigin, strict?: boolean): Promise<unknown>;
  /** `onMissing` hears of a name or key the condition needed and did not find (it is then false). */
  condition(condition: string | boolean, origin: TemplateOrigin, onMissing?: (message: string) => void): Promise<boolean>;
  compute(code: string, where: ComputeWhere): Promise<unknown>;
  /** Optional: these compute steps come next, in order (see ComputeSandbox.ahead). */
  ahead?(blocks: AheadBlock[]): void;
  /** A step's output (or undefined for a failed/skipped step), visible to later steps by name. */
  set(name: string, value: unknown): void;
  /** One key of an object in scope (`steps.<name>`). */
  setMember(name: string, key: string, value: unknown): void;
  /** The skill has finished: release what its scope holds. */
  end(): void;
}

/** The dialect a skill says, else the project's `skills.dialect`, else JavaScript. */
export function dialectOf(skill: Skill, config: Record<string, unknown>): DialectName {
  return skillDialect(skill, config);
}

/** The time limit of a compute block: the skill's, else the project's, else the dialect's default. */
export function computeLimitMs(skill: Skill, config: Record<string, unknown>, fallbackMs: number): number {
  return parseDuration(skill.computeTimeout ?? (config.compute_timeout as string | number | undefined), 'compute_timeout', fallbackMs) ?? fallbackMs;
}

const processes = new WeakMap<object, ComputeProcess>();

/** The compute process of a run (`run` is its engine context): one for all its skills, started on demand. */
export function computeProcessFor(run: object): ComputeProcess {
  let host = processes.get(run);
  if (!host) processes.set(run, (host = new ComputeProcess()));
  return host;
}

export function closeComputeProcess(run: object): void {
  processes.get(run)?.close();
  processes.delete(run);
}

/** Whether a skill has compute code anywhere (steps, then blocks, outputs): only then is a process started. */
export function hasCompute(skill: Skill): boolean {
  const inSteps = (items: Array<Step | ReturnItem>): boolean =>
    items.some((item) => !isReturnItem(item) && (item.compute !== undefined || (item.then !== undefined && inSteps(item.then))));
  return inSteps(skill.steps) || skill.outputs.some((o) => o.compute !== undefined);
}

/** aiw's own dialect: nunjucks templates in-process, JavaScript compute in a separate process with limits. */
export class JavaScriptDialect implements Dialect {
  private sandbox?: ComputeSandbox;

  constructor(private readonly skill: Skill, private readonly scope: Scope, private readonly host: ComputeProcess, private readonly signal?: StopSignal) {}

  render(value: unknown, origin: TemplateOrigin, strict = true): Promise<unknown> {
    return Promise.resolve(renderValue(value, this.scope, origin, strict));
  }

  condition(condition: string | boolean, origin: TemplateOrigin, onMissing?: (message: string) => void): Promise<boolean> {
    return Promise.resolve(evaluateCondition(condition, this.scope, origin, onMissing));
  }

  compute(code: string, where: ComputeWhere): Promise<unknown> {
    return this.sandboxed().run(code, where, this.signal);
  }

  ahead(blocks: AheadBlock[]): void {
    this.sandboxed().ahead(blocks);
  }

  set(name: string, value: unknown): void {
    this.sandbox?.set(name, value);
  }

  setMember(name: string, key: string, value: unknown): void {
    this.sandbox?.setMember(name, key, value);
  }

  end(): void {
    this.sandbox?.close();
    this.sandbox = undefined;
  }

  private sandboxed(): ComputeSandbox {
    if (!this.sandbox) {
      const limit = computeLimitMs(this.skill, (this.scope.config as Record<string, unknown>) ?? {}, DEFAULT_COMPUTE_TIMEOUT_MS);
      const sandbox = new ComputeSandbox(this.host, limit);
      for (const [name, value] of Object.entries(this.scope)) if (name !== 'env') sandbox.set(name, value);
      this.sandbox = sandbox;
    }
    return this.sandbox;
  }
}
