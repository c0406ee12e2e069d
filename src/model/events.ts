import type { StepType } from './skill.js';
import type { HealRecord, KnownIssueMatch, RunResult, StepResult } from './run.js';

/**
 * What the engine tells reporters, as a union keyed by kind: each reporter must handle every kind
 * (the compiler checks), and the engine itself never prints.
 */
export type EngineEvent =
  | { kind: 'run-start'; runId: string; skill: string; inputs: Record<string, unknown>; depth: number; file: string }
  | { kind: 'step-start'; skill: string; step: string; type: StepType; depth: number; line: number; file: string; description?: string; tool?: string }
  | { kind: 'step-end'; skill: string; depth: number; result: StepResult; file: string }
  | { kind: 'attempt-failed'; skill: string; step: string; tool: string; attempt: number; maxAttempts: number; error: string; failureClass: string | null; pattern?: string; depth: number }
  | { kind: 'heal'; skill: string; step: string; tool: string; heal: HealRecord; depth: number }
  | { kind: 'retry'; skill: string; step: string; tool: string; attempt: number; maxAttempts: number; delayMs: number; depth: number }
  | { kind: 'known-issues'; skill: string; step: string; tool: string; matches: KnownIssueMatch[]; depth: number }
  | { kind: 'warning'; message: string }
  | { kind: 'tool-output'; skill: string; step: string; tool: string; stream: 'command' | 'stdout' | 'stderr'; text: string; depth: number }
  | { kind: 'run-end'; result: RunResult; depth: number };

export type EventSink = (event: EngineEvent) => void;

export type EventKind = EngineEvent['kind'];
