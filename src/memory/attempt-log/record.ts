import type { FailureRecord } from '../../model/learning.js';

/**
 * One entry of `<memory>/learned/tool_failures.yaml` is the engine's FailureRecord (heal/learning.ts):
 * one per call attempt (`kind: 'attempt'`), one per quick fix (`kind: 'fix'`) and one per learned
 * remedy (`kind: 'remedy'`); an attempt stopped by Ctrl-C or SIGTERM is `kind: 'interrupted'`. For a fix, `success` says whether the fix itself ran cleanly.
 */
export type { FailureRecord } from '../../model/learning.js';

/**
 * An entry as read back. Entries written before aiw (the seed's file) carry only tool, error,
 * fix_attempted, success, timestamp and skill, so everything but the first three keys is optional.
 */
export type LoggedFailure = Pick<FailureRecord, 'tool' | 'success' | 'timestamp'> & Partial<Omit<FailureRecord, 'tool' | 'success' | 'timestamp'>>;

export type FieldType = 'string' | 'string?' | 'boolean' | 'number' | 'number?' | 'kind';

// The order here is the order keys are written in, so lines read the same from entry to entry.
export const FIELDS: ReadonlyArray<readonly [keyof FailureRecord, FieldType, boolean]> = [
  ['tool', 'string', true],
  ['error', 'string?', false],
  ['error_type', 'string?', false],
  ['fix_attempted', 'string?', false],
  ['success', 'boolean', true],
  ['timestamp', 'string', true],
  ['skill', 'string?', false],
  ['step', 'string?', false],
  ['attempt', 'number', false],
  ['duration_ms', 'number', false],
  ['run_id', 'string', false],
  ['pattern', 'string?', false],
  ['kind', 'kind', false],
  ['exit_code', 'number?', false],
  ['http_status', 'number', false],
];

function fits(value: unknown, type: FieldType): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'string?':
      return value === null || typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'number?':
      return value === null || (typeof value === 'number' && Number.isFinite(value));
    case 'kind':
      return value === 'attempt' || value === 'fix' || value === 'remedy' || value === 'interrupted';
  }
}

/** Why `value` is not a usable entry, or null when it is. Unknown extra keys are allowed. */
export function recordProblem(value: unknown): string | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return `expected a mapping with tool, success and timestamp, got ${value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value}`;
  }
  const entry = value as Record<string, unknown>;
  for (const [key, type, required] of FIELDS) {
    const present = entry[key] !== undefined;
    if (!present && required) return `missing "${key}"`;
    if (present && !fits(entry[key], type)) return `"${key}" must be ${type === 'string?' ? 'a string or null' : type === 'kind' ? '"attempt", "fix", "remedy" or "interrupted"' : `a ${type}`}`;
  }
  return null;
}

/** The record's known keys in their written order; unknown keys are not written. */
export function orderedRecord(record: FailureRecord): Record<string, unknown> {
  const ordered: Record<string, unknown> = {};
  for (const [key] of FIELDS) {
    if (record[key] !== undefined) ordered[key] = record[key];
  }
  return ordered;
}

// JSON.stringify leaves these raw; YAML forbids some outside quotes and readers split on others.
const UNSAFE = /[\u007f-\u009f\u2028\u2029\ufeff]/g;

/**
 * One record as one line of the sequence: `<indent>- {"tool":...}`. A JSON object is a YAML flow
 * mapping, so the file stays plain YAML while a reader can use `JSON.parse` per line.
 */
export function recordLine(record: FailureRecord, indent: number): string {
  const json = JSON.stringify(orderedRecord(record)).replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `${' '.repeat(indent)}- ${json}\n`;
}
