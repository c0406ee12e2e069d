import type { EventSink } from '../model/events.js';
import type { Classification, HealRecord, KnownIssueMatch, StepStatus } from '../model/run.js';
import { errorMessage } from '../errors/errors.js';
import { redact, redactAndTruncate } from '../secrets/redact.js';
import type { OnError, RetrySpec, ToolCallSpec } from '../model/skill.js';
import { renderValue, type Scope } from '../template/render.js';
import { executeTool, prepareCall, type PreparedCall } from '../tools/execute-tool.js';
import type { ToolResult, ToolRunContext } from '../model/tool.js';
import type { ToolRegistry } from '../tools/registry.js';
import { compileClassifier, type FailureClassifier } from './classify.js';
import type { FailureRecord, Learning } from '../model/learning.js';
import { compilePattern } from '../pattern/match.js';
import { healMode } from './heal-mode.js';
import { DEFAULT_COOLDOWN_MS, DEFAULT_FIX_BUDGET, DEFAULT_PROFILES, type HealProfile } from './profiles.js';
import { resolveRetry, retryDelay, systemClock, type Clock, type RetryPolicy } from './retry-policy.js';
import { parseDuration } from '../source/duration.js';
import { isoWithZone } from '../model/timestamp.js';
import { remedyVerdict, type RemedyVerdict } from './remedy-gate.js';
import type { RemedyTrust } from './remedy-trust.js';
import type { StopSignal } from '../model/stop-signal.js';
import { tookPath } from '../model/code-paths.js';

export interface HealPolicy {
  onError: OnError;
  /** The step's `auto_heal`: false opts out of the tool's heal profile; a string names another profile. */
  autoHeal?: boolean | string;
  detectFailure?: Record<string, string[]>;
  quickFix?: Record<string, ToolCallSpec>;
  retry?: RetrySpec;
  failedWhen?: string[];
  timeoutMs?: number;
}

export interface CallRequest {
  prepared: PreparedCall;
  skill: string | null;
  step: string | null;
  depth: number;
  scope: Scope;
  policy: HealPolicy;
}

export interface CallOutcome {
  result: ToolResult;
  status: Exclude<StepStatus, 'skipped'>;
  attempts: number;
  heals: HealRecord[];
  classification: Classification | null;
  knownIssues: KnownIssueMatch[];
}

export interface HealerOptions {
  registry: ToolRegistry;
  config: Record<string, unknown>;
  env: NodeJS.ProcessEnv;
  runId: string;
  emit: EventSink;
  signal?: StopSignal;
  clock?: Clock;
  learning?: Learning;
  /** `--verbose`: each tool's command line and output go out as events while it runs. */
  verbose?: boolean;
  /** The person's trust of learned remedies (read on first need); without it no remedy runs, each is only suggested. */
  trust?: () => Promise<RemedyTrust | undefined>;
}

interface AutoHealConfig {
  classes?: Record<string, unknown>;
  profiles?: Record<string, HealProfile>;
  retry?: RetrySpec;
  cooldown?: number | string;
  budget?: number;
}

/**
 * The heal loop around every tool call, for skill steps and `aiw tool` alike: run, detect a failure
 * (exit code, HTTP status, `failed_when`), classify it, run the quick fix for its class, wait with
 * backoff, retry; then a learned remedy; every attempt goes to the attempt log. Heal state is shared
 * for the whole run: a fix that just worked is not run again within the cooldown, and no run spends
 * more than the fix budget, so a broken login cannot loop or lock an account.
 */
export class Healer {
  private readonly clock: Clock;
  private readonly heal: AutoHealConfig;
  private readonly classifiers = new Map<string, FailureClassifier>();
  private readonly recentFixes = new Map<string, number>();
  private fixesRun = 0;

  constructor(private readonly opts: HealerOptions) {
    this.clock = opts.clock ?? systemClock;
    this.heal = (opts.config.auto_heal as AutoHealConfig | undefined) ?? {};
  }

  private get budget(): number {
    return this.heal.budget ?? DEFAULT_FIX_BUDGET;
  }

  private get cooldownMs(): number {
    return parseDuration(this.heal.cooldown, 'auto_heal.cooldown', DEFAULT_COOLDOWN_MS)!;
  }

  async call(req: CallRequest): Promise<CallOutcome> {
    const { prepared, policy } = req;
    const tool = prepared.tool;
    const { heals: healing, profile } = healMode(policy, tool.auto_heal);
    // A step that writes `retry:` asks for retries of the classes it names, fix or no fix (Ansible's
    // retries/until, Step Functions' Retry). Without one, a retry follows only a fix that worked.
    const explicit = policy.retry !== undefined;
    const retry = resolveRetry(this.heal.retry, policy.retry);
    const maxAttempts = healing || explicit ? retry.maxAttempts : 1;
    const heals: HealRecord[] = [];
    let attempt = 0;
    let classification: Classification | null = null;
    let result: ToolResult | undefined;
    let logging = false;
    let remedyUsed: Awaited<ReturnType<Learning['findRemedy']>>;
    let remedyTried = false;
    let verdict: RemedyVerdict | undefined;
    for (;;) {
      if (result && this.opts.signal?.aborted) {
        // Interrupted while waiting to retry: the next attempt never ran, so none is recorded or counted.
        result = { ...result, interrupted: true, error: `interrupted before attempt ${attempt + 1} could run; attempt ${attempt} failed: ${result.error ?? ''}` };
        break;
      }
      attempt++;
      result = this.detectFailedWhen(await executeTool(prepared, this.toolContext(policy.timeoutMs, req, tool.name)), [...(tool.failed_when ?? []), ...(policy.failedWhen ?? [])]);
      if (result.ok) {
        if (logging) await this.record(req, attempt, result, null, null, 'attempt');
        if (remedyUsed) await this.opts.learning?.markPrevented(remedyUsed);
        break;
      }
      if (result.interrupted || this.opts.signal?.aborted) {
        // Ctrl-C or SIGTERM stopped the call: on record as interrupted, never as a failure of the tool.
        await this.record(req, attempt, result, null, null, 'interrupted');
        break;
      }
      // Compiled on the first failure only: a call that succeeds at once pays nothing for classes.
      classification = this.classifierFor(policy.detectFailure).classify({ text: failureText(result), timedOut: result.timedOut, httpStatus: result.httpStatus });
      logging = true;
      tookPath('tool-failed');
      await this.record(req, attempt, result, classification, null, 'attempt');
      this.opts.emit({
        kind: 'attempt-failed', skill: req.skill ?? '', step: req.step ?? '', tool: tool.name, attempt, maxAttempts: remedyTried ? attempt : maxAttempts,
        error: redact(result.error ?? ''), failureClass: classification?.class ?? null, pattern: classification?.pattern, depth: req.depth,
      });
      const retryable = attempt < maxAttempts && (classification ? allowed(retry, classification.class) : explicit && !retry.on);
      const fix = healing && retryable && classification ? this.fixFor(profile, classification.class, policy.quickFix) : undefined;
      if (fix && classification) {
        const healed = await this.runFix(req, fix, classification, attempt);
        heals.push(healed);
        // A failed fix is reported (its heal record); it ends the call unless the step asked for retries.
        if (!healed.fix_success && !explicit) break;
        await this.wait(req, retry, attempt, maxAttempts);
        continue;
      }
      if (explicit && retryable) {
        await this.wait(req, retry, attempt, maxAttempts);
        continue;
      }
      // A learned remedy is a heal like any other: never under on_error fail/continue or --no-heal.
      if (!remedyTried && healing && this.opts.learning) {
        remedyTried = true;
        const found = await this.opts.learning.findRemedy(tool.name, failureText(result));
        if (found) {
          verdict = remedyVerdict(this.opts.registry, found, await this.opts.trust?.());
          if (verdict.run) remedyUsed = found;
        }
        if (remedyUsed) {
          const healed = await this.runFix(req, { tool: remedyUsed.tool, args: remedyUsed.args }, classification ?? { class: 'learned', pattern: remedyUsed.pattern }, attempt, 'learned', remedyUsed.pattern);
          heals.push(healed);
          if (healed.fix_success) continue;
        }
      }
      break;
    }
    const status = result.ok ? (heals.some((h) => h.fix_success) ? 'healed' : 'success') : 'failed';
    const knownIssues = result.ok || !this.opts.learning ? [] : await this.opts.learning.knownIssues(tool.name, failureText(result));
    if (verdict && !verdict.run) annotateRemedy(knownIssues, verdict);
    if (knownIssues.length) {
      this.opts.emit({ kind: 'known-issues', skill: req.skill ?? '', step: req.step ?? '', tool: tool.name, matches: knownIssues, depth: req.depth });
    }
    // Masked as a whole here: reporters split errors into lines, and a PEM block spans several.
    if (result.error) result = { ...result, error: redact(result.error) };
    return { result, status, attempts: attempt, heals, classification: result.ok && !heals.length ? null : classification, knownIssues };
  }

  private classifierFor(extra: Record<string, string[]> | undefined): FailureClassifier {
    const key = extra ? JSON.stringify(extra) : '';
    let c = this.classifiers.get(key);
    if (!c) {
      c = compileClassifier(this.heal.classes as Parameters<typeof compileClassifier>[0], extra);
      this.classifiers.set(key, c);
    }
    return c;
  }

  private fixFor(profileName: string | undefined, cls: string, stepFixes: Record<string, ToolCallSpec> | undefined): (ToolCallSpec & { source: string }) | undefined {
    const fromStep = stepFixes?.[cls];
    if (fromStep) return { ...fromStep, source: 'step' };
    if (!profileName) return undefined;
    const profile = this.heal.profiles?.[profileName] ?? DEFAULT_PROFILES[profileName];
    const fromProfile = profile?.[cls];
    return fromProfile ? { ...fromProfile, source: `profile ${profileName}` } : undefined;
  }

  /** Run a quick fix through the same path as any tool; reuse a fix that just worked; respect the budget. */
  private async runFix(req: CallRequest, fix: ToolCallSpec & { source?: string }, cls: Classification, attempt: number, source = fix.source ?? 'profile', pattern = cls.pattern): Promise<HealRecord> {
    tookPath('heal');
    const base = { class: cls.class, fix: fix.tool, pattern, source };
    let prepared: PreparedCall;
    let key: string;
    try {
      const scope = { ...req.scope, args: req.prepared.params };
      // A learned remedy comes from memory, which is data: its args are used exactly as stored.
      // Quick fixes from skill, tool and config files (trusted code) are templates.
      const args = source === 'learned'
        ? { ...(fix.args ?? {}) }
        : renderValue(fix.args ?? {}, scope, { what: `quick fix '${fix.tool}' for ${cls.class}` }) as Record<string, unknown>;
      prepared = prepareCall(this.opts.registry.get(fix.tool), args);
      key = `${fix.tool}\u0000${JSON.stringify(prepared.params)}`;
    } catch (err) {
      return this.recordFix(req, attempt, { ...base, fix_success: false, error: errorMessage(err) }, 0);
    }
    const last = this.recentFixes.get(key);
    if (last !== undefined && this.clock.now() - last < this.cooldownMs) {
      const healed = { ...base, fix_success: true, source: 'shared' };
      this.opts.emit({ kind: 'heal', skill: req.skill ?? '', step: req.step ?? '', tool: req.prepared.tool.name, heal: healed, depth: req.depth });
      return healed;
    }
    if (this.fixesRun >= this.budget) {
      return this.recordFix(req, attempt, { ...base, fix_success: false, error: `heal budget of ${this.budget} fixes for this run is used up` }, 0);
    }
    this.fixesRun++;
    const result = await executeTool(prepared, this.toolContext(undefined, req, prepared.tool.name));
    if (result.ok) this.recentFixes.set(key, this.clock.now());
    const healed: HealRecord = { ...base, fix_success: result.ok };
    if (!result.ok) healed.error = redact(result.error ?? 'failed');
    return this.recordFix(req, attempt, healed, result.durationMs);
  }

  private async recordFix(req: CallRequest, attempt: number, healed: HealRecord, durationMs: number): Promise<HealRecord> {
    this.opts.emit({ kind: 'heal', skill: req.skill ?? '', step: req.step ?? '', tool: req.prepared.tool.name, heal: healed, depth: req.depth });
    await this.append({
      tool: req.prepared.tool.name, error: healed.error ?? null, error_type: healed.class, fix_attempted: healed.fix, success: healed.fix_success,
      timestamp: isoNow(this.clock), skill: req.skill, step: req.step, attempt, duration_ms: durationMs, run_id: this.opts.runId,
      kind: healed.source === 'learned' ? 'remedy' : 'fix', pattern: healed.pattern ?? null,
    });
    return healed;
  }

  private async record(req: CallRequest, attempt: number, result: ToolResult, cls: Classification | null, fix: string | null, kind: FailureRecord['kind']): Promise<void> {
    const record: FailureRecord = {
      tool: req.prepared.tool.name, error: result.ok ? null : trimError(result.error ?? ''), error_type: cls?.class ?? null,
      fix_attempted: fix, success: result.ok, timestamp: isoNow(this.clock), skill: req.skill, step: req.step, attempt,
      duration_ms: result.durationMs, run_id: this.opts.runId, kind, pattern: cls?.pattern ?? null,
    };
    if (result.exitCode !== undefined) record.exit_code = result.exitCode;
    if (result.httpStatus !== undefined) record.http_status = result.httpStatus;
    await this.append(record);
  }

  private async append(record: FailureRecord): Promise<void> {
    if (!this.opts.learning) return;
    await this.opts.learning.recordAttempt({ ...record, error: record.error === null ? null : redact(record.error) });
  }

  private async wait(req: CallRequest, retry: RetryPolicy, attempt: number, maxAttempts: number): Promise<void> {
    const delayMs = retryDelay(retry, attempt, this.clock.random);
    this.opts.emit({ kind: 'retry', skill: req.skill ?? '', step: req.step ?? '', tool: req.prepared.tool.name, attempt: attempt + 1, maxAttempts, delayMs, depth: req.depth });
    await this.clock.sleep(delayMs, this.opts.signal);
  }

  private detectFailedWhen(result: ToolResult, patterns: string[]): ToolResult {
    if (!result.ok || !patterns.length) return result;
    const text = typeof result.output === 'string' ? result.output : result.stdout;
    for (const source of patterns) {
      const matched = compilePattern(source).match(text);
      if (matched !== null) {
        return { ...result, ok: false, output: undefined, failedWhen: source, error: `output matched failed_when '${source}': ${redactAndTruncate(text.trim(), 2000, 'tail')}` };
      }
    }
    return result;
  }

  private toolContext(timeoutMs: number | undefined, req?: CallRequest, tool?: string): ToolRunContext {
    const ctx: ToolRunContext = { config: this.opts.config, env: this.opts.env, signal: this.opts.signal, timeoutMs };
    if (this.opts.verbose && req && tool) {
      ctx.onOutput = (stream, text) => this.opts.emit({ kind: 'tool-output', skill: req.skill ?? '', step: req.step ?? '', tool, stream, text, depth: req.depth });
    }
    return ctx;
  }
}

/** Say, on the known issue that carries it, why a learned remedy was shown and not run. */
function annotateRemedy(matches: KnownIssueMatch[], verdict: Extract<RemedyVerdict, { run: false }>): void {
  const m = matches.find((k) => k.source === 'tool_fixes' && k.tool_name === verdict.fixTool && k.pattern === verdict.pattern);
  if (!m) return;
  m.remedy_status = verdict.status;
  m.remedy_note = verdict.note;
}

function allowed(retry: RetryPolicy, cls: string): boolean {
  return !retry.on || retry.on.includes(cls);
}

function failureText(result: ToolResult): string {
  const parts = [result.error ?? ''];
  const tail = result.stdout.slice(-2000);
  if (tail && !parts[0]!.includes(tail.trim())) parts.push(tail);
  return parts.join('\n');
}

const MAX_RECORDED_ERROR = 2000;

function trimError(text: string): string {
  const t = redact(text.trim()); // masked before it is cut, so no half token survives the cut
  return t.length > MAX_RECORDED_ERROR ? `${t.slice(0, MAX_RECORDED_ERROR)}… [${t.length - MAX_RECORDED_ERROR} more characters]` : t;
}

function isoNow(clock: Clock): string {
  return isoWithZone(new Date(clock.now()));
}
