import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readEntryKeys, type EntryKeys } from '../../../src/memory/attempt-log/fast-entry.js';
import { parseWhole } from '../../../src/memory/attempt-log/read.js';
import { FIELDS, recordLine, type FailureRecord, type LoggedFailure } from '../../../src/memory/attempt-log/record.js';
import { streamFailures } from '../../../src/memory/attempt-log/stream.js';
import { computeFailureStats, STATS_KEYS } from '../../../src/learn/stats.js';

const ALL_KEYS: EntryKeys = FIELDS.map(([key]) => key);
const NOW = new Date('2026-02-01T00:00:00Z');

let root: string;
let file: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'aiw-fast-entry-'));
  file = join(root, 'tool_failures.yaml');
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

function record(i: number, over: Partial<FailureRecord> = {}): FailureRecord {
  return {
    tool: `tool_${i % 7}`,
    error: i % 5 === 0 ? null : `exit code 1: boom ${i}`,
    error_type: i % 4 === 0 ? null : ['network', 'auth', 'timeout'][i % 3]!,
    fix_attempted: i % 2 ? 'vpn_connect' : null,
    success: i % 3 === 0,
    timestamp: `2026-01-${String(1 + (i % 28)).padStart(2, '0')}T${String(i % 24).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:07${i % 2 ? '.250Z' : '+02:00'}`,
    skill: i % 6 === 0 ? null : 'ci_skill',
    step: i % 9 === 0 ? null : `step_${i % 4}`,
    attempt: 1 + (i % 3),
    duration_ms: i * 37,
    run_id: `run-${Math.floor(i / 3)}`,
    kind: (['attempt', 'attempt', 'fix', 'remedy'] as const)[i % 4]!,
    ...(i % 8 === 1 ? { pattern: 'No route to host', exit_code: i % 16 === 1 ? null : -1, http_status: 502 } : {}),
    ...over,
  };
}

/** [line, whether aiw's fast path must take it]. Every line is valid YAML, so the whole file parses. */
const LINES: Array<[string, boolean]> = [
  ...Array.from({ length: 40 }, (_, i): [string, boolean] => [recordLine(record(i), 2).trimEnd(), true]),
  // Strings JSON escapes, and text that looks like syntax.
  [recordLine(record(41, { error: 'he said "hi" \\ C:\\path\nline two\ttab \u0001 # not a comment: {x} [y], &a *b' }), 2).trimEnd(), true],
  [recordLine(record(42, { error: 'ünïcödé 😀 中文 \u2028 \u0085 \ufeff', tool: 'tööl', step: 'stëp "one"' }), 2).trimEnd(), true],
  [recordLine(record(43, { kind: 'interrupted', success: false }), 2).trimEnd(), true],
  [recordLine(record(44, { attempt: 0, duration_ms: 123456789012345, exit_code: -128 }), 2).trimEnd(), true],
  // Written by hand in aiw's order, with escapes JSON and YAML read the same way.
  ['  - {"tool":"slash","error":"a\\/b \\u00e9 \\ud83d\\ude00 \\u0000","success":false,"timestamp":"2026-01-05T10:00:00Z","run_id":"hand-1","kind":"attempt"}', true],
  // The seed's keys only (no run_id): one call each.
  ['  - {"tool":"legacy","error":"401","fix_attempted":"kube_login","success":true,"timestamp":"2026-01-06T10:00:00"}', true],
  // What the fast path must refuse (the slower readers decide).
  ['  - {"tool":"a","success":true,"timestamp":"2026-01-01T00:00:00Z","run_id":"r1"} # a hand note', false],
  ['  - {tool: b, success: false, timestamp: "2026-01-02T00:00:00Z", run_id: r9, step: s, kind: attempt}', false],
  ['  - {"tool":"c","success":false,"timestamp":"2026-01-02T00:00:00Z","run_id":"r1","note":"an unknown key"}', false],
  ['  - {"success":true,"tool":"d","timestamp":"2026-01-03T00:00:00Z","run_id":"r2"}', false],
  ['  - {"tool":"e","success":false,"timestamp":"2026-01-03T00:00:00Z","duration_ms":1.5,"run_id":"r3"}', false],
  ['  - {"tool":"f","success":false,"timestamp":"2026-01-03T00:00:00Z","attempt":2e0,"run_id":"r3"}', false],
  ['  - {"tool":"g","success":false,"timestamp":"2026-01-03T00:00:00Z","attempt":02,"run_id":"r3"}', false],
  ["  - {'tool': 'h', 'success': true, 'timestamp': '2026-01-04T00:00:00Z'}", false],
  ['  - {"tool":"i","error":"a raw\ttab","success":false,"timestamp":"2026-01-04T00:00:00Z"}', false],
  ['  - {"tool":"j","success":"yes","timestamp":"2026-01-04T00:00:00Z"}', false],
  ['  - {"tool":"k","success":false,"timestamp":"2026-01-04T00:00:00Z","kind":"retry"}', false],
  ['  - {tool: l, success: True, timestamp: "2026-01-04T00:00:00Z", error_type: ~}', false],
  ['  - {"tool":"m","success":true,"timestamp":"2026-01-04T00:00:00Z"}   ', false],
  ['  - {"tool":"n","error":"\\x41","success":true,"timestamp":"2026-01-04T00:00:00Z"}', false],
  ['  - {"tool":"o","success":true,"timestamp":"2026-01-04T00:00:00Z","attempt":1234567890123456}', false],
  ['  # a comment between entries', false],
  ['', false],
  ['  - tool: p\n    error: "block entry # with a hash"\n    success: false\n    timestamp: "2026-01-05T00:00:00Z"\n    run_id: r5\n    kind: attempt', false],
  ...Array.from({ length: 10 }, (_, i): [string, boolean] => [recordLine(record(100 + i), 2).trimEnd(), true]),
];

const LOG = `# Every tool-call attempt ...\nfailures:\n${LINES.map(([line]) => line).join('\n')}\n`;

async function streamed(keys?: EntryKeys): Promise<{ records: LoggedFailure[]; warnings: Array<{ line: number; message: string }> }> {
  const records: LoggedFailure[] = [];
  const warnings = await streamFailures(file, { add: (r) => records.push(r), reset: () => (records.length = 0), keys });
  return { records, warnings: warnings.map(({ line, message }) => ({ line, message })) };
}

const pick = (r: LoggedFailure, keys: EntryKeys) => Object.fromEntries(keys.map((k) => [k, r[k]]));
const defined = (r: LoggedFailure) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined));

describe('the fast path for aiw\'s own entries', () => {
  it('reads a varied log exactly as the full YAML reader does, taking only the lines in aiw\'s shape', async () => {
    const yaml = parseWhole(LOG, file);
    // The log is valid YAML (else the full reader would read nothing and prove nothing).
    // Two entries are skipped, by every reader: `success: "yes"` and `kind: retry`.
    expect(yaml.records.length).toBe(LINES.filter(([line]) => line.trimStart().startsWith('- ')).length - 2);
    await writeFile(file, LOG);
    const whole = await streamed();
    const all = await streamed(ALL_KEYS);
    const lean = await streamed(STATS_KEYS);
    expect(whole.records).toStrictEqual(yaml.records);
    expect(all.records.map(defined)).toStrictEqual(yaml.records);
    expect(lean.records.map((r) => pick(r, STATS_KEYS))).toStrictEqual(yaml.records.map((r) => pick(r, STATS_KEYS)));
    expect(computeFailureStats(lean.records, NOW)).toStrictEqual(computeFailureStats(yaml.records, NOW));
    // The entries skipped are the same, named at the same lines, for the same reasons.
    const expected = yaml.warnings.map(({ line, message }) => ({ line, message }));
    expect(lean.warnings).toStrictEqual(expected);
    expect(whole.warnings).toStrictEqual(expected);
    expect(expected.map((w) => w.line)).toEqual([LOG.split('\n').findIndex((l) => l.includes('"yes"')) + 1, LOG.split('\n').findIndex((l) => l.includes('"retry"')) + 1]);
  });

  it('takes every line aiw writes and refuses every other, each read as YAML reads that line', () => {
    for (const [line, fast] of LINES) {
      const entry = readEntryKeys(line, 4, ALL_KEYS);
      expect(entry !== undefined, line).toBe(fast);
      if (entry) expect(defined(entry), line).toStrictEqual((parseDocument(line.trimStart()).toJS() as unknown[])[0]);
    }
  });

  it('reads records with any characters in their strings as JSON.parse and YAML do', () => {
    // A fixed pseudo-random walk over characters that matter to JSON, YAML and the regex.
    const palette = ['a', ' ', '"', '\\', '/', '#', ':', '{', '}', ',', '\n', '\r', '\t', '\u0000', '\u001f', '\u007f', '\u0085', '\u00a0', 'é', '中', '😀', '\u2028', '\u2029', '\ufeff', "'", 'null', 'true'];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    const text = () => Array.from({ length: next() % 12 }, () => palette[next() % palette.length]).join('');
    let taken = 0;
    for (let i = 0; i < 400; i++) {
      const line = recordLine(record(i, { error: text(), tool: `t${text()}`, step: text(), pattern: i % 3 ? text() : null }), 2).trimEnd();
      const entry = readEntryKeys(line, 4, ALL_KEYS);
      const json: unknown = JSON.parse(line.slice(4));
      expect((parseDocument(line.trimStart()).toJS() as unknown[])[0], line).toStrictEqual(json);
      if (entry === undefined) continue;
      taken++;
      expect(defined(entry), line).toStrictEqual(json);
    }
    // Everything aiw writes takes the fast path.
    expect(taken).toBe(400);
  });

  it('sets only the keys asked for', () => {
    const line = recordLine(record(1, { pattern: 'p', exit_code: 3, http_status: 500 }), 2).trimEnd();
    const entry = readEntryKeys(line, 4, ['tool', 'kind']);
    expect(defined(entry!)).toStrictEqual({ tool: 'tool_1', kind: 'attempt' });
    // Every key of the written order has its place in the entry, in that order.
    expect(Object.keys(readEntryKeys(line, 4, ALL_KEYS)!)).toEqual(ALL_KEYS);
  });
});
