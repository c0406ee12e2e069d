import type { Columns } from './cache-table.js';
import { bucketOf, forEachGram, forEachNeedleGram, holdsNeedle } from './needle.js';

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

const COUNTER_BITS = 16;

/** A cache found damaged while reading it: the caller parses the source instead. */
export class BrokenCache extends Error {}

export function buildIndex(columns: Columns, offsets: readonly number[]): { layout: IndexLayout; text: string } {
  const { needles, toolIndex, tools } = columns;
  const count = toolIndex.length;
  const bits = Math.max(4, Math.min(20, Math.ceil(Math.log2(count + 1))));
  const always = 2 ** bits;
  // Rows are filed under their rarest gram: the fewer rows share it, the fewer an error visits. Grams
  // are counted in typed arrays by a hash of the gram (this runs over every row on the cold path): a
  // collision only overstates a count, so a row may be filed under a gram a little less rare than the
  // rarest, never lost; and 64K counters stay in the CPU's cache.
  const { grams, starts } = gramsOfRows(needles);
  const rowsWith = new Uint32Array(1 << COUNTER_BITS);
  const lastRow = new Uint32Array(1 << COUNTER_BITS); // row + 1, so that 0 is "none yet"
  for (let r = 0; r < count; r++) {
    for (let i = starts[r]!; i < starts[r + 1]!; i++) {
      const slot = bucketOf(grams[i]!, COUNTER_BITS);
      if (lastRow[slot] !== r + 1) {
        lastRow[slot] = r + 1;
        rowsWith[slot]!++;
      }
    }
  }
  const bucketOfRow = new Uint32Array(count);
  for (let r = 0; r < count; r++) {
    let best = -1;
    let fewest = Infinity;
    for (let i = starts[r]!; i < starts[r + 1]!; i++) {
      const rows = rowsWith[bucketOf(grams[i]!, COUNTER_BITS)]!;
      if (rows < fewest) {
        fewest = rows;
        best = grams[i]!;
      }
    }
    bucketOfRow[r] = best < 0 ? always : bucketOf(best, bits);
  }
  const bucketStarts = startsOf(bucketOfRow, always + 1);
  const listed = sortedBy(bucketOfRow, bucketStarts);
  const tooled = toolIndex.map((t) => (t < 0 ? tools.length : t));
  const toolStarts = startsOf(tooled, tools.length + 1).slice(0, tools.length + 1);
  const toolRows = sortedBy(tooled, startsOf(tooled, tools.length + 1)).subarray(0, toolStarts[tools.length]);
  const listedNeedles = Array.from(listed, (r) => needles[r] ?? '');
  const needleText = listedNeedles.join('');
  const needleStarts = [0];
  let needleLength = 0;
  for (const n of listedNeedles) needleStarts.push((needleLength += n.length));
  const widths: [number, number, number] = [hexWidth(count), hexWidth(offsets[offsets.length - 1] ?? 0), hexWidth(needleLength)];
  const [row, offset, needle] = widths;
  const out = new HexWriter((count + 1) * offset + toolRows.length * row + (always + 2) * row + count * row + (count + 1) * needle + needleLength);
  out.numbers(offsets, offset);
  out.numbers(toolRows, row);
  out.numbers(bucketStarts, row);
  out.numbers(listed, row);
  out.numbers(needleStarts, needle);
  out.text(needleText);
  return { layout: { tools, toolStarts, bits, widths }, text: out.done() };
}

/** Every row's needle grams in one array; row `r`'s are `grams[starts[r]]` up to `grams[starts[r + 1]]`. */
function gramsOfRows(needles: ReadonlyArray<string | null>): { grams: Uint32Array; starts: Uint32Array } {
  const starts = new Uint32Array(needles.length + 1);
  let total = 0;
  for (let r = 0; r < needles.length; r++) total = starts[r + 1] = total + Math.max(0, (needles[r]?.length ?? 0) - 2);
  const grams = new Uint32Array(total);
  let at = 0;
  for (let r = 0; r < needles.length; r++) {
    const n = needles[r];
    if (n) forEachNeedleGram(n, (g) => (grams[at++] = g));
    starts[r + 1] = at;
  }
  return { grams, starts };
}

/** Where each key's rows start when rows are sorted by key (keys below `keys`), and where the last ends. */
function startsOf(keyOfRow: ArrayLike<number>, keys: number): number[] {
  const starts = new Array<number>(keys + 1).fill(0);
  for (let r = 0; r < keyOfRow.length; r++) starts[keyOfRow[r]! + 1]!++;
  for (let k = 0; k < keys; k++) starts[k + 1]! += starts[k]!;
  return starts;
}

/** The rows sorted by key, ascending within a key (a counting sort). */
function sortedBy(keyOfRow: ArrayLike<number>, starts: readonly number[]): Uint32Array {
  const next = starts.slice();
  const rows = new Uint32Array(keyOfRow.length);
  for (let r = 0; r < keyOfRow.length; r++) rows[next[keyOfRow[r]!]!++] = r;
  return rows;
}

const HEX = Buffer.from('0123456789abcdef', 'latin1');

/** Fixed-width hex numbers and ASCII text into one buffer of a known size. */
class HexWriter {
  private readonly bytes: Buffer;
  private at = 0;

  constructor(size: number) {
    this.bytes = Buffer.alloc(size);
  }

  numbers(values: ArrayLike<number>, width: number): void {
    for (let i = 0; i < values.length; i++) {
      let v = values[i]!;
      for (let d = width - 1; d >= 0; d--) {
        this.bytes[this.at + d] = HEX[v % 16]!;
        v = v < 0x80000000 ? v >>> 4 : Math.floor(v / 16);
      }
      this.at += width;
    }
  }

  text(ascii: string): void {
    this.at += this.bytes.write(ascii, this.at, 'latin1');
  }

  done(): string {
    if (this.at !== this.bytes.length) throw new Error(`cache index: wrote ${this.at} of ${this.bytes.length} bytes`);
    return this.bytes.toString('latin1');
  }
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
