import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFailures, sidecarPathFor, streamFailures, type LoggedFailure } from '../../../src/memory/attempt-log/attempt-log.js';
import { makeRecord } from '../fixtures/records.mjs';
import { computeFailureStats, STATS_KEYS } from '../../../src/learn/stats.js';

let root: string;
let file: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'aiw-failure-stream-'));
  file = join(root, 'tool_failures.yaml');
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function streamed(): Promise<{ records: LoggedFailure[]; warnings: unknown[]; resets: number }> {
  let records: LoggedFailure[] = [];
  let resets = 0;
  const warnings = await streamFailures(file, { add: (r) => records.push(r), reset: () => ((records = []), resets++) });
  return { records, warnings, resets };
}

const json = (n: number, indent = '  ') => `${indent}- ${JSON.stringify(makeRecord(n % 5, n))}\n`;
const block = (n: number) => `  - tool: t${n % 7}\n    error: "exit code 1: boom \\"${n}\\""\n    fix_attempted: ${n % 2 ? "'vpn_connect'" : 'null'}\n    success: ${n % 3 === 0}\n    timestamp: "2026-01-0${1 + (n % 9)}T10:00:00"\n    skill: investigate_alert\n\n`;
const many = (n: number, entry: (i: number) => string) => Array.from({ length: n }, (_, i) => entry(i)).join('');

const LOGS: Array<[string, () => string]> = [
  ['one-line entries across many batches', () => `# head\nfailures:\n${many(5_000, (i) => json(i))}`],
  ['seed block entries across many batches', () => `failures:\n${many(3_000, block)}`],
  ['CRLF and a BOM', () => `\ufefffailures:\r\n${many(2_000, block).replaceAll('\n', '\r\n')}`],
  ['a torn last line', () => `failures:\n${many(1_500, (i) => json(i))}  - {"tool":"x","succ`],
  ['broken and wrong-shaped entries among good ones', () => `failures:\n${many(2_000, (i) => (i % 100 === 7 ? '  - {"tool": 1}\n' : i % 250 === 3 ? '  - tool: [unclosed\n' : json(i)))}`],
  ['a mapping before the list', () => `owner: sre\nnotes: |\n  hand written\nfailures:\n${many(1_200, (i) => json(i))}`],
  ['entries with nested values and comments', () => `failures:\n${many(1_100, (i) => `  - tool: t\n    success: true\n    timestamp: "2026-01-01"\n    extra:\n      - a\n      - b # c\n    # note ${i}\n`)}`],
  ['another key after the list (read whole)', () => `failures:\n${many(1_500, (i) => json(i))}owner: sre\n`],
  ['a flow list (read whole)', () => `failures: [${JSON.stringify(makeRecord(0, 0))}]\n`],
  ['an empty file', () => ''],
  ['only comments', () => '# nothing yet\n'],
  ['tabs in an entry (read whole)', () => `failures:\n${json(1)}\t- oops\n`],
  ['a 3 MiB entry, and multi-byte text across the read and decode seams', () => `failures:\n${many(3_000, (i) => json(i))}  - ${JSON.stringify({ ...makeRecord(1, 1), error: 'é'.repeat(1.5 * 1024 * 1024) })}\n${many(6_000, (i) => (i % 2 ? json(i) : `  - {"tool":"ü${'中'.repeat(i % 50)}","success":true,"timestamp":"2026-01-01T00:00:00Z","run_id":"r${i % 9}"}\n`))}`],
];

describe('streamFailures', () => {
  it.each(LOGS)('gives the same entries and warnings as readFailures: %s', async (_name, text) => {
    await writeFile(file, text());
    const whole = await readFailures(file);
    const stream = await streamed();
    expect(stream.records).toEqual(whole.records);
    expect(stream.warnings).toEqual(whole.warnings);
  });

  it.each(LOGS)('gives the statistics of readFailures when reading only the keys statistics use: %s', async (_name, text) => {
    await writeFile(file, text());
    const whole = await readFailures(file);
    const records: LoggedFailure[] = [];
    const warnings = await streamFailures(file, { add: (r) => records.push(r), reset: () => (records.length = 0), keys: STATS_KEYS });
    const now = new Date(0);
    expect(computeFailureStats(records, now)).toEqual(computeFailureStats(whole.records, now));
    expect(warnings).toEqual(whole.warnings);
  });

  it('includes the sidecar after the log, and says the entries are parked there', async () => {
    await writeFile(file, `failures:\n${json(0)}`);
    await writeFile(sidecarPathFor(file), `failures:\n${json(1)}${json(2)}`);
    const stream = await streamed();
    expect(stream.records).toEqual((await readFailures(file)).records);
    expect(stream.records).toHaveLength(3);
    expect(stream.warnings).toEqual([expect.objectContaining({ file: sidecarPathFor(file), message: expect.stringContaining('2 entries are parked here') })]);
  });

  it('reads a missing log as empty', async () => {
    expect(await streamed()).toEqual({ records: [], warnings: [], resets: 0 });
  });
});
