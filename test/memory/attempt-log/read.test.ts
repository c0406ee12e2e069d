import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseFailureLog, readFailures } from '../../../src/memory/attempt-log/attempt-log.js';
import { makeRecord } from '../fixtures/records.mjs';

let root: string;
let file: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'aiw-failure-read-'));
  file = join(root, 'tool_failures.yaml');
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const line = (writer: number, seq: number, indent = '  '): string => `${indent}- ${JSON.stringify(makeRecord(writer, seq))}\n`;

describe('readFailures', () => {
  it('reads every entry of a seed-format log with CRLF line endings and a BOM', async () => {
    const entry = (tool: string, day: number) => `  - tool: ${tool}\r\n    error: "boom"\r\n    fix_attempted: null\r\n    success: false\r\n    timestamp: "2026-01-0${day}T10:00:00"\r\n\r\n`;
    await writeFile(file, `\ufeff# seed\r\nfailures:\r\n${entry('a', 1)}${entry('b', 2)}${entry('c', 3)}`);
    const { records, warnings } = await readFailures(file);
    expect(warnings).toEqual([]);
    expect(records.map((r) => r.tool)).toEqual(['a', 'b', 'c']);
  });

  it('counts 200,000 repeated warnings in one line instead of listing (or overflowing on) them all', async () => {
    const bad = `  - {"tool":"t","success":false}\n`;
    await writeFile(file, `failures:\n${bad.repeat(200_000)}  - ${JSON.stringify(makeRecord(0, 0))}\n`);
    const { records, warnings } = await readFailures(file);
    expect(records).toEqual([makeRecord(0, 0)]);
    expect(warnings).toHaveLength(4);
    expect(warnings.slice(0, 3).map((w) => w.line)).toEqual([2, 3, 4]);
    expect(warnings[3]).toMatchObject({ line: 2, message: `199,997 more entries like this: entry skipped: missing "timestamp" (200,000 in all, first at ${file}:2:5)` });
  });

  it('reads a missing log as empty, without a warning', async () => {
    expect(await readFailures(file)).toEqual({ records: [], warnings: [] });
  });

  it('reads seed block entries, one-line JSON entries and hand-written flow entries together', async () => {
    await writeFile(
      file,
      [
        '# header',
        'failures:',
        '  - tool: kubectl_get_pods',
        '    error: "No route to host"',
        '    fix_attempted: |',
        '      vpn_connect',
        '',
        '      then retry',
        '    success: true',
        '    timestamp: "2026-01-04T10:30:00"',
        '',
        line(0, 0).trimEnd(),
        "  - { tool: hand, success: false, timestamp: '2026-01-05T00:00:00Z' } # typed by a person",
        line(0, 1).trimEnd(),
        '',
      ].join('\n'),
    );
    const { records, warnings } = await readFailures(file);
    expect(warnings).toEqual([]);
    expect(records).toEqual([
      { tool: 'kubectl_get_pods', error: 'No route to host', fix_attempted: 'vpn_connect\n\nthen retry\n', success: true, timestamp: '2026-01-04T10:30:00' },
      makeRecord(0, 0),
      { tool: 'hand', success: false, timestamp: '2026-01-05T00:00:00Z' },
      makeRecord(0, 1),
    ]);
  });

  it('skips entries of the wrong shape with one warning each, naming the line', async () => {
    await writeFile(
      file,
      `failures:\n${line(0, 0)}  - just a string\n  - {"tool":"x","success":"yes","timestamp":"t"}\n  - tool: y\n    timestamp: t\n${line(0, 1)}`,
    );
    const { records, warnings } = await readFailures(file);
    expect(records).toEqual([makeRecord(0, 0), makeRecord(0, 1)]);
    expect(warnings).toEqual([
      { file, line: 3, col: 5, message: expect.stringContaining('expected a mapping') },
      { file, line: 4, col: 5, message: 'entry skipped: "success" must be a boolean' },
      { file, line: 5, col: 5, message: 'entry skipped: missing "success"' },
    ]);
  });

  it('reports a broken entry at its line and column and still reads the others', async () => {
    const torn = JSON.stringify(makeRecord(0, 1)).slice(0, 30);
    await writeFile(file, `failures:\n${line(0, 0)}  - ${torn}\n${line(0, 2)}`);
    const { records, warnings } = await readFailures(file);
    expect(records).toEqual([makeRecord(0, 0), makeRecord(0, 2)]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ file, line: 3 });
    expect(warnings[0]?.col).toBeGreaterThan(1);
  });

  it('reports a file that is not YAML at all with file:line:col', async () => {
    await writeFile(file, 'owner: sre\nfailures: [\n  {"tool": "x"\nother: : :\n');
    const { records, warnings } = await readFailures(file);
    expect(records).toEqual([]);
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings[0]).toMatchObject({ file, line: expect.any(Number), col: expect.any(Number) });
    expect(warnings[0]?.line).toBeGreaterThan(1);
  });

  it('reports a wrong-shaped log where its value starts', async () => {
    await writeFile(file, '# log\nfailures: "a string"\n');
    expect(await readFailures(file)).toEqual({ records: [], warnings: [{ file, line: 2, col: 11, message: '"failures" must be a list of entries' }] });
  });

  it('reads logs the full parser must handle: other keys after the list, flow style, CRLF, a BOM', async () => {
    const one = JSON.stringify(makeRecord(0, 0));
    await writeFile(file, `failures:\n  - ${one}\nowner: sre\n`);
    expect(await readFailures(file)).toEqual({ records: [makeRecord(0, 0)], warnings: [] });
    await writeFile(file, `failures: [${one}, ${JSON.stringify(makeRecord(0, 1))}]\n`);
    expect((await readFailures(file)).records).toEqual([makeRecord(0, 0), makeRecord(0, 1)]);
    await writeFile(file, `\ufeff# log\r\nfailures:\r\n  - ${one}\r\n  - ${JSON.stringify(makeRecord(0, 1))}\r\n`);
    expect(await readFailures(file)).toEqual({ records: [makeRecord(0, 0), makeRecord(0, 1)], warnings: [] });
  });

  it('warns at file:1:1 and reads nothing when the log is a folder', async () => {
    await mkdir(file);
    expect(await readFailures(file)).toEqual({ records: [], warnings: [{ file, line: 1, col: 1, message: 'skipped: it is a folder, not a file' }] });
  });
});

describe('parseFailureLog', () => {
  it('reads 100,000 one-line entries', () => {
    const text = `failures:\n${Array.from({ length: 100_000 }, (_, i) => line(i % 7, i)).join('')}`;
    const { records, warnings } = parseFailureLog(text, 'big.yaml');
    expect(warnings).toEqual([]);
    expect(records).toHaveLength(100_000);
    expect(records[99_999]).toEqual(makeRecord(99_999 % 7, 99_999));
  });
});
