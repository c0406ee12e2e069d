import { describe, expect, it } from 'vitest';
import { BrokenCache, buildIndex, readIndex } from '../../src/memory/cache-index.js';
import type { Columns } from '../../src/memory/cache-table.js';
import { haystackOf, holdsNeedle, needleOf } from '../../src/memory/needle.js';

const PATTERNS = [
  'manifest unknown', '401', 'Connection   Refused', '/registry (?:mismatch|failed) after \\d+ ?ms E1457/i', '/HTTP 5\\d\\d/',
  '/\\d+ errors?/', 'écrit refusé', 'ab', 'quota exceeded', 'x', '/(a+)+$/', 'no space left on device', '/Timed out after \\d+s/',
  'manifest unknown', '', 'tag preempted E1017', 'ERR_401',
];
const TOOLS = ['deploy', null, 'api', 'deploy', 'git'];

/** Columns as columnsOf makes them, over many rows: tools repeat, some rows have none, needles of every kind. */
function columns(count: number): Columns {
  const tools: string[] = [];
  const toolIndex: number[] = [];
  const needles: Array<string | null> = [];
  for (let row = 0; row < count; row++) {
    const tool = TOOLS[row % TOOLS.length]!;
    if (tool !== null && !tools.includes(tool)) tools.push(tool);
    toolIndex.push(tool === null ? -1 : tools.indexOf(tool));
    needles.push(needleOf(`${PATTERNS[row % PATTERNS.length]}${row % 3 === 0 ? '' : ` e${row}`}`.trim() || null));
  }
  return { tools, toolIndex, needles };
}

function roundTrip(c: Columns) {
  const offsets = c.needles.map((_, i) => i * 10);
  offsets.push(c.needles.length * 10);
  const { layout, text } = buildIndex(c, offsets);
  const index = readIndex(JSON.parse(JSON.stringify(layout)), c.needles.length, Buffer.from(text, 'latin1'));
  expect(index).not.toBeNull();
  return { index: index!, text, layout, offsets };
}

const HAYS = [
  'Error: manifest unknown: image not found (e1)', 'HTTP 503 from upstream after 401 retries', 'dial tcp: connection refused e4 e5 e6',
  'registry mismatch after 12 ms E1457', 'écrit refusé', 'ab', 'nothing to see', '', 'tag preempted E1017 e15 e16 e17 e18 e19 e20',
  'x'.repeat(5000),
];

describe('the lookup index of a cache file', () => {
  it('gives the same candidate rows as testing every needle, for every error', () => {
    const c = columns(600);
    const { index } = roundTrip(c);
    for (const text of HAYS) {
      const hay = haystackOf(text.toLowerCase());
      const expected = c.needles.flatMap((n, row) => (n === null || holdsNeedle(hay, n) ? [row] : []));
      expect(index.candidates(hay)).toEqual(expected);
    }
  });

  it('gives the rows of a tool in order, and none for a tool it does not know', () => {
    const c = columns(100);
    const { index } = roundTrip(c);
    for (const [id, tool] of c.tools.entries()) expect(index.rowsOf(tool)).toEqual(c.toolIndex.flatMap((t, row) => (t === id ? [row] : [])));
    expect(index.rowsOf('unknown')).toEqual([]);
  });

  it('keeps every entry offset, and is plain ASCII so a cache edited as text stays intact', () => {
    const c = columns(50);
    const { index, text, offsets } = roundTrip(c);
    expect(offsets.map((_, row) => index.offset(row))).toEqual(offsets);
    expect([...text].every((ch) => ch.charCodeAt(0) < 128)).toBe(true);
  });

  it('works for a table without rows', () => {
    const { index } = roundTrip({ tools: [], toolIndex: [], needles: [] });
    expect(index.candidates('anything')).toEqual([]);
    expect(index.rowsOf('deploy')).toEqual([]);
  });

  it('refuses an index whose size does not fit its layout, and reports damage found while reading it', () => {
    const c = columns(40);
    const { text, layout } = roundTrip(c);
    expect(readIndex(layout, 40, Buffer.from(text.slice(0, -3), 'latin1'))).toBeNull();
    expect(readIndex(layout, 41, Buffer.from(text, 'latin1'))).toBeNull();
    expect(readIndex({ ...layout, bits: 99 }, 40, Buffer.from(text, 'latin1'))).toBeNull();
    const damaged = readIndex(layout, 40, Buffer.from(text.replace(/^./, 'z'), 'latin1'))!;
    expect(() => damaged.offset(0)).toThrow(BrokenCache);
  });
});
