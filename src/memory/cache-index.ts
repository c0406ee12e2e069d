import type { Columns } from './cache-table.js';
import { bucketOf, forEachGram, gramsOf, holdsNeedle } from './needle.js';

/**
 * The lookup index of a cache file, read where it lies instead of decoded: JSON.parse of 10,000
 * offsets, tool ids and needles cost more than the rest of a lookup. Every number is lower-case hex
 * of a fixed width, so entry `i` of a section is at `i * width`, and the whole index is ASCII (a
 * cache edited as text stays intact). Sections, in order:
 *
 * - offsets: count + 1 byte offsets of the entries in the body;
 * - tool rows: the rows of each tool, ascending, tool after tool (`toolStarts` in the layout says
 *   where each tool's rows begin);
 * - bucket starts and bucket rows: every row once, under the bucket of its needle's rarest gram, or
 *   in the last bucket ("always") when it has no needle or no gram;
 * - needle starts and needle text: the needle of each listed row, in bucket-row order.
 *
 * A lookup reads the tool's rows, and the rows of the buckets its error text's grams fall in.
 */
export interface IndexLayout {
  tools: string[];
  toolStarts: number[];
  bits: number;
  /** Hex digits of a row number, of a body offset, of a needle text offset. */
  widths: [number, number, number];
}

/** A cache found damaged while reading it: the caller parses the source instead. */
export class BrokenCache extends Error {}

export function buildIndex(columns: Columns, offsets: readonly number[]): { layout: IndexLayout; text: string } {
  const count = columns.toolIndex.length;
  const bits = Math.max(4, Math.min(20, Math.ceil(Math.log2(count + 1))));
  const always = 2 ** bits;
  const grams = columns.needles.map((n) => (n ? gramsOf(n) : []));
  // Rows are filed under their rarest gram: the fewer rows share it, the fewer an error visits.
  const seen = new Map<number, number>();
  for (const gs of grams) for (const g of new Set(gs)) seen.set(g, (seen.get(g) ?? 0) + 1);
  const bucketRows: number[][] = Array.from({ length: always + 1 }, () => []);
  grams.forEach((gs, row) => {
    let best = -1;
    for (const g of gs) if (best < 0 || seen.get(g)! < seen.get(best)!) best = g;
    bucketRows[best < 0 ? always : bucketOf(best, bits)]!.push(row);
  });
  const byTool = columns.tools.map((): number[] => []);
  columns.toolIndex.forEach((t, row) => t >= 0 && byTool[t]!.push(row));
  const listed = bucketRows.flat();
  const needleText = listed.map((r) => columns.needles[r] ?? '').join('');
  const widths: [number, number, number] = [hexWidth(count), hexWidth(offsets[offsets.length - 1] ?? 0), hexWidth(needleText.length)];
  const [row, offset, needle] = widths;
  const toolStarts = [0];
  for (const rows of byTool) toolStarts.push(toolStarts[toolStarts.length - 1]! + rows.length);
  const bucketStarts = [0];
  for (const rows of bucketRows) bucketStarts.push(bucketStarts[bucketStarts.length - 1]! + rows.length);
  const needleStarts = [0];
  for (const r of listed) needleStarts.push(needleStarts[needleStarts.length - 1]! + (columns.needles[r] ?? '').length);
  const text = [hex(offsets, offset), hex(byTool.flat(), row), hex(bucketStarts, row), hex(listed, row), hex(needleStarts, needle), needleText].join('');
  return { layout: { tools: columns.tools, toolStarts, bits, widths }, text };
}

/** The index of a cache file with `count` entries, over `bytes` (exactly the index's bytes); null when its layout does not fit them. */
export function readIndex(layout: IndexLayout, count: number, bytes: Buffer): CacheIndex | null {
  if (!wellFormed(layout)) return null;
  const [row, offset, needle] = layout.widths;
  const tooled = layout.toolStarts[layout.toolStarts.length - 1]!;
  const buckets = 2 ** layout.bits + 1;
  const starts: number[] = [];
  let at = 0;
  for (const size of [(count + 1) * offset, tooled * row, (buckets + 1) * row, count * row, (count + 1) * needle]) {
    starts.push(at);
    at += size;
  }
  const [offsets, toolRows, bucketStarts, bucketRows, needleStarts] = starts as [number, number, number, number, number];
  const textStart = at;
  const num = (section: number, width: number, i: number): number => hexAt(bytes, section + i * width, width);
  try {
    if (at > bytes.length || textStart + num(needleStarts, needle, count) !== bytes.length) return null;
  } catch (err) {
    if (err instanceof BrokenCache) return null;
    throw err;
  }
  const rowAt = (section: number, i: number): number => {
    const r = num(section, row, i);
    if (r >= count) throw new BrokenCache('cache row out of range');
    return r;
  };
  return {
    offset: (r) => num(offsets, offset, r),
    rowsOf(tool) {
      const t = layout.tools.indexOf(tool);
      if (t < 0) return [];
      const out: number[] = [];
      for (let i = layout.toolStarts[t]!; i < layout.toolStarts[t + 1]!; i++) out.push(rowAt(toolRows, i));
      return out;
    },
    candidates(hay) {
      const out: number[] = [];
      const visited = new Uint8Array(buckets);
      const visit = (b: number): void => {
        if (visited[b]) return;
        visited[b] = 1;
        const end = num(bucketStarts, row, b + 1);
        for (let i = num(bucketStarts, row, b); i < end; i++) {
          const from = textStart + num(needleStarts, needle, i);
          const to = textStart + num(needleStarts, needle, i + 1);
          if (to > bytes.length || to < from) throw new BrokenCache('cache needle out of range');
          if (to === from || holdsNeedle(hay, bytes.toString('latin1', from, to))) out.push(rowAt(bucketRows, i));
        }
      };
      visit(buckets - 1);
      forEachGram(hay, (g) => visit(bucketOf(g, layout.bits)));
      return out.sort((a, b) => a - b);
    },
  };
}

export interface CacheIndex {
  /** Where entry `row` starts in the body (`offset(count)` is the body's length). */
  offset(row: number): number;
  rowsOf(tool: string): number[];
  candidates(hay: string): number[];
}

function wellFormed(l: IndexLayout): boolean {
  return typeof l === 'object' && l !== null && Array.isArray(l.tools) && Array.isArray(l.toolStarts) && l.toolStarts.length === l.tools.length + 1
    && l.toolStarts.every((s, i) => Number.isInteger(s) && s >= (l.toolStarts[i - 1] ?? 0)) && Number.isInteger(l.bits) && l.bits >= 4 && l.bits <= 20
    && Array.isArray(l.widths) && l.widths.length === 3 && l.widths.every((w) => Number.isInteger(w) && w >= 1 && w <= 12);
}

function hexWidth(max: number): number {
  return Math.max(1, max.toString(16).length);
}

function hex(values: readonly number[], width: number): string {
  return values.map((v) => v.toString(16).padStart(width, '0')).join('');
}

function hexAt(bytes: Buffer, at: number, width: number): number {
  if (at < 0 || at + width > bytes.length) throw new BrokenCache('cache index cut short');
  let n = 0;
  for (let i = at; i < at + width; i++) {
    const c = bytes[i]!;
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1;
    if (d < 0) throw new BrokenCache('cache index is not hex');
    n = n * 16 + d;
  }
  return n;
}
