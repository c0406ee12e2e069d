import type { EngineEvent } from '../../src/model/events.js';
import type { RunResult, StepResult } from '../../src/model/run.js';
import type { Reporter } from '../../src/report/reporter.js';

export const ROOT = '/ws/project';
export const SKILL_FILE = `${ROOT}/skills/triage.yaml`;
export const CHILD_FILE = `${ROOT}/skills/probe.yaml`;

/**
 * The events of one run that has every shape a report must handle: a compute step, a tool step
 * healed after a failed attempt, a then block holding a failed step (with known issues and an
 * `on_error: continue`) and a skipped one, and a nested skill with a step of its own.
 */
export function sampleRun(): { events: EngineEvent[]; result: RunResult } {
  const skill = 'triage';
  const prepare: StepResult = { name: 'prepare', type: 'compute', status: 'success', duration_ms: 3, line: 5, output: 1 };
  const fetch: StepResult = {
    name: 'fetch', type: 'tool', tool: 'kubectl_get_pods', status: 'healed', attempts: 2, duration_ms: 1250, line: 9,
    heals: [{ class: 'auth_expired', fix: 'kube_login', fix_success: true, source: 'profile' }],
  };
  const inner: StepResult = {
    name: 'inner', type: 'tool', tool: 'flaky', status: 'failed', attempts: 1, duration_ms: 40, line: 16,
    error: { code: 'TOOL_FAILED', message: 'exit code 3: <boom> & "quotes"\nsecond line with password=hunter2secret nul\u0000 and \u001b[31mred\u001b[0m' },
    classification: { class: 'network', pattern: 'boom' },
    known_issues: [{ source: 'patterns', pattern: 'boom', meaning: 'the cluster is down', fix: 'wait, then rerun' }],
  };
  const maybe: StepResult = { name: 'maybe', type: 'tool', status: 'skipped', duration_ms: 0, line: 20 };
  const block: StepResult = { name: 'block', type: 'then', status: 'success', duration_ms: 50, line: 13, steps: [inner, maybe] };
  const probe: StepResult = { name: 'probe', type: 'tool', tool: 'echo', status: 'success', attempts: 1, duration_ms: 7, line: 6, output: 'ok' };
  const diagnose: StepResult = { name: 'diagnose', type: 'skill', status: 'success', duration_ms: 12, line: 24, steps: [probe] };
  const result: RunResult = {
    skill, status: 'partial', inputs: {}, steps: [prepare, fetch, block, diagnose], outputs: {}, duration_ms: 1400,
    run_id: '20250101T000000-abcd1234', file: SKILL_FILE,
  };
  const start = (s: StepResult, depth = 0, file = SKILL_FILE, name = skill): EngineEvent =>
    ({ kind: 'step-start', skill: name, step: s.name, type: s.type, depth, line: s.line!, file });
  const end = (s: StepResult, depth = 0, file = SKILL_FILE, name = skill): EngineEvent => ({ kind: 'step-end', skill: name, depth, result: s, file });
  const events: EngineEvent[] = [
    { kind: 'run-start', runId: result.run_id, skill, inputs: {}, depth: 0, file: SKILL_FILE },
    start(prepare), end(prepare),
    start(fetch),
    { kind: 'attempt-failed', skill, step: 'fetch', tool: 'kubectl_get_pods', attempt: 1, maxAttempts: 3, error: 'error: You must be logged in', failureClass: 'auth_expired', pattern: 'must be logged in', depth: 0 },
    { kind: 'heal', skill, step: 'fetch', tool: 'kubectl_get_pods', heal: fetch.heals![0]!, depth: 0 },
    { kind: 'retry', skill, step: 'fetch', tool: 'kubectl_get_pods', attempt: 2, maxAttempts: 3, delayMs: 200, depth: 0 },
    end(fetch),
    start(block), start(inner),
    { kind: 'known-issues', skill, step: 'inner', tool: 'flaky', matches: inner.known_issues!, depth: 0 },
    end(inner), start(maybe), end(maybe), end(block),
    start(diagnose),
    { kind: 'run-start', runId: result.run_id, skill: 'probe', inputs: {}, depth: 1, file: CHILD_FILE },
    start(probe, 1, CHILD_FILE, 'probe'), end(probe, 1, CHILD_FILE, 'probe'),
    { kind: 'run-end', depth: 1, result: { ...result, skill: 'probe', steps: [probe], file: CHILD_FILE, status: 'success' } },
    end(diagnose),
    { kind: 'run-end', depth: 0, result },
  ];
  return { events, result };
}

export async function replay(reporter: Reporter, run = sampleRun()): Promise<void> {
  for (const e of run.events) reporter.onEvent(e);
  await reporter.finish(run.result);
}

/** Collects what a reporter writes. */
export function sink(): { write(text: string): void; text(): string } {
  let text = '';
  return { write: (t) => void (text += t), text: () => text };
}
