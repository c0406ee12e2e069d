import { describe, expect, it } from 'vitest';
import { EntryByteReader } from '../../../src/memory/attempt-log/byte-entry.js';
import { readEntryKeys, type EntryKeys } from '../../../src/memory/attempt-log/fast-entry.js';
import { parseWhole } from '../../../src/memory/attempt-log/read.js';
import { FIELDS, recordLine, type FailureRecord, type LoggedFailure } from '../../../src/memory/attempt-log/record.js';
import { streamFailures } from '../../../src/memory/attempt-log/stream.js';
import { summariseWarnings } from '../../../src/memory/attempt-log/summarise.js';
import { TORN_MESSAGE } from '../../../src/memory/attempt-log/torn-tail.js';
import { computeFailureStats, STATS_KEYS } from '../../../src/learn/stats.js';
import { tempRoot } from '../../helpers/temp-root.js';

const ALL_KEYS: EntryKeys = FIELDS.map(([key]) => key);
const NOW = new Date('2026-02-01T00:00:00Z');
const pick = (r: LoggedFailure, keys: EntryKeys) => Object.fromEntries(keys.map((k) => [k, r[k]]));

// A fixed pseudo-random walk, so every run checks the same lines.
function walk(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1103515245 + 12345) % 2 ** 31);
}

// Characters that matter to JSON, YAML, the regexes and the byte classes (C1, U+2028, BOM, DEL).
const PALETTE = ['a', ' ', '"', '\\', '/', '#', ':', '{', '}', ',', '\n', '\r', '\t', '\u0000', '\u001f', '\u007f', '\u0085', '\u00a0', 'é', '中', '😀', '\u2028', '\u2029', '\ufeff', "'", 'null', 'true', '- '];

function record(i: number, next: () => number, text: () => string): FailureRecord {
  const odd = next() % 4 === 0;
  return {
    tool: odd ? `t${text()}` : `tool_${i % 7}`,
    error: i % 5 === 0 ? null : text(),
    error_type: i % 4 === 0 ? null : odd ? text() : ['network', 'auth', 'timeout'][i % 3]!,
    fix_attempted: i % 2 ? 'vpn_connect' : null,
    success: i % 3 === 0,
    timestamp: `2026-01-${String(1 + (i % 28)).padStart(2, '0')}T${String(i % 24).padStart(2, '0')}:00:07${i % 2 ? '.250Z' : '+02:00'}`,
    skill: i % 6 === 0 ? null : 'ci_skill',
    step: i % 9 === 0 ? null : odd ? text() : `step_${i % 4}`,
    attempt: 1 + (i % 3),
    duration_ms: i * 37,
    run_id: `run-${Math.floor(i / 3)}${odd ? text() : ''}`,
    kind: (['attempt', 'attempt', 'fix', 'remedy', 'interrupted'] as const)[i % 5]!,
    ...(i % 8 === 1 ? { pattern: text(), exit_code: i % 16 === 1 ? null : -1, http_status: 502 } : {}),
  };
}

/** The reader over one line as the line scan gives it: latin1 text of the line's bytes and its newline. */
function readBytes(line: string, keys: EntryKeys, newline = '\n'): LoggedFailure | undefined {
  const reader = new EntryByteReader(keys);
  reader.setChunk(Buffer.from(`${line}${newline}`, 'utf8').toString('latin1'), 0);
  const entry = reader.read(line.indexOf('{'));
  if (entry) expect(reader.end).toBe(Buffer.byteLength(line) + newline.length - 1);
  return entry;
}

describe('the byte reader of aiw\'s one-line entries', () => {
  it('reads every ASCII line as readEntryKeys reads it, and refuses the rest for the text readers', () => {
    const next = walk(11);
    let i = 0;
    // Half the strings from the ASCII part of the palette (JSON escapes its controls).
    const text = () => Array.from({ length: next() % 10 }, () => PALETTE[next() % (i % 2 ? PALETTE.length : 17)]).join('');
    let ascii = 0;
    for (; i < 600; i++) {
      const line = recordLine(record(i, next, text), 2).trimEnd();
      for (const keys of [ALL_KEYS, STATS_KEYS]) {
        const fromText = readEntryKeys(line, 4, keys);
        const fromBytes = readBytes(line, keys);
        // What aiw writes is ASCII (recordLine escapes the rest only where YAML needs it): those
        // lines it must take; a line with other bytes goes to the text readers, which take it.
        if (/^[\x20-\x7e]*$/.test(line)) {
          expect(fromBytes, line).toStrictEqual(fromText);
          ascii++;
        } else {
          expect(fromBytes, line).toBeUndefined();
          expect(fromText, line).toBeDefined();
        }
      }
    }
    expect(ascii).toBeGreaterThan(300);
  });

  it('refuses what the regex refuses, and takes a line only up to its own end', () => {
    const good = '  - {"tool":"a","success":true,"timestamp":"2026-01-01T00:00:00Z","run_id":"r","kind":"fix"}';
    expect(readBytes(good, STATS_KEYS)).toStrictEqual(readEntryKeys(good, 4, STATS_KEYS));
    expect(readBytes(good, STATS_KEYS, '\r\n')).toStrictEqual(readEntryKeys(good, 4, STATS_KEYS));
    for (const line of [
      good.replace('"kind":"fix"', '"kind":"retry"'),
      good.replace('"run_id":"r"', '"run_id":"r\\x41"'),
      good.replace('"run_id":"r"', '"run_id":"r\\u00e"'),
      good.replace('true', '"true"'),
      good.replace('"success":true,', ''),
      good.replace('"tool":"a",', '"tool":"a","attempt":01,'),
      good.replace('"run_id":"r"', '"attempt":-0,"run_id":"r"'),
      good.replace('"run_id":"r"', '"attempt":1234567890123456,"run_id":"r"'),
      good.replace('"run_id":"r"', '"run_id":"r","note":1'),
      `${good} # note`,
      `${good} `,
      good.replace('"a"', '"a\tb"'),
    ]) {
      expect(readEntryKeys(line, 4, ALL_KEYS), line).toBeUndefined();
      expect(readBytes(line, ALL_KEYS), line).toBeUndefined();
    }
    // A line that ends in a lone CR is not one of aiw's (the text readers keep the CR).
    expect(readBytes(good, ALL_KEYS, '\r')).toBeUndefined();
  });
});

/** Lines that are not aiw's own, dropped between aiw's: every one is read by the text readers. */
const ODD: Array<(i: number) => string> = [
  () => '  # a comment between entries\n',
  () => '\n',
  (i) => `  - {"tool":"wide é ${i}","success":false,"timestamp":"2026-01-03T00:00:00Z","run_id":"u${i}","kind":"attempt"}\n`,
  (i) => `  - {"tool":"esc","error_type":"a\\"b","success":false,"timestamp":"2026-01-03T00:00:00Z","run_id":"e${i}","step":"s\\u00e9","kind":"attempt"}\n`,
  (i) => `  - {"tool":"crlf","success":true,"timestamp":"2026-01-04T00:00:00Z","run_id":"c${i}","kind":"attempt"}\r\n`,
  (i) => `  - {"tool":"continued","success":true,"timestamp":"2026-01-04T00:00:00Z","run_id":"k${i}"}\n    # a comment inside the entry\n`,
  (i) => `  - tool: blocky\n    error: "exit 1 # not a comment"\n    success: false\n    timestamp: "2026-01-05T00:00:00Z"\n    run_id: b${i}\n`,
  () => '  - {"tool":"bad","success":"yes","timestamp":"2026-01-05T00:00:00Z"}\n',
  (i) => `  - {tool: flow, success: false, timestamp: "2026-01-06T00:00:00Z", run_id: f${i}, kind: attempt}\n`,
];

// Lines that do not start an entry, or start one that continues: the held entry before them must go to the text readers.
const SEAM_ODD = [0, 1, 5];

describe('the line scan with the byte reader', () => {
  it('gives the records, warnings and statistics of the full YAML reader over a log with odd lines across chunk seams', async () => {
    const next = walk(5);
    const text = () => Array.from({ length: next() % 6 }, () => PALETTE[next() % 4]).join('');
    const parts = ['\ufeff# head\nfailures:\n'];
    // ~3 MB: past the 1 MiB chunks and the 48 KiB text pieces several times, so entries held at a
    // chunk's end, odd lines at a seam and runs of text lines across pieces all occur.
    // Near each MiB (where chunks end) every other line is odd, so odd lines meet the seams. At the
    // first seam (the first read is 1 MiB, cut after its last newline) one of aiw's entries ends the
    // chunk and a long comment starts the next: the entry held across the seam goes to the text readers.
    let bytes = Buffer.byteLength(parts[0]!);
    let seamDone = false;
    for (let i = 0; parts.length < 9_000; i++) {
      const nearSeam = Math.abs(((bytes + 512 * 1024) % (1024 * 1024)) - 512 * 1024) < 4096;
      const odd = nearSeam ? i % 2 === 0 : next() % 40 === 0;
      let line = odd ? ODD[nearSeam ? SEAM_ODD[(i / 2) % SEAM_ODD.length]! : next() % ODD.length]!(i) : recordLine({ ...record(i, next, text), error: 'x'.repeat(200 + (next() % 200)) }, 2);
      if (!seamDone && bytes + 2_000 > 1024 * 1024) {
        // Two of aiw's entries, then the comment that crosses the MiB.
        line = `${recordLine(record(i, next, () => ''), 2)}${recordLine(record(i + 1, next, () => ''), 2)}  # ${'c'.repeat(4_000)}\n`;
        seamDone = true;
      }
      parts.push(line);
      bytes += Buffer.byteLength(line);
    }
    parts.push('  - {"tool":"torn","succ');
    const log = parts.join('');
    const root = tempRoot();
    const file = root.write('tool_failures.yaml', log);
    const yaml = parseWhole(log.slice(1).slice(0, -'  - {"tool":"torn","succ'.length), file);
    expect(yaml.records.length).toBeGreaterThan(8_000);

    const records: LoggedFailure[] = [];
    let sections: boolean | undefined;
    const warnings = await streamFailures(file, { add: (r) => records.push(r), reset: () => (records.length = 0), keys: STATS_KEYS, sections: (found) => (sections = found) });
    expect(records.map((r) => pick(r, STATS_KEYS))).toStrictEqual(yaml.records.map((r) => pick(r, STATS_KEYS)));
    expect(computeFailureStats(records, NOW)).toStrictEqual(computeFailureStats(yaml.records, NOW));
    // The full reader's warnings (the entries with `success: "yes"`), then the torn last line.
    const lines = log.split('\n').length;
    const torn = { file, line: lines, col: 3, message: TORN_MESSAGE };
    expect(warnings.map(({ line, message }) => ({ line, message }))).toStrictEqual(summariseWarnings([...yaml.warnings, torn]).map(({ line, message }) => ({ line, message })));
    expect(sections).toBe(false);
  });

  it.each([
    ['a section before the list', 'stats:\n  total: 1\nfailures:\n', '', true],
    ['a section after a CR in a comment', 'failures:\n', '  # note\rstats: 1\n', true],
    ['a section after U+2028 in a block entry', 'failures:\n', '  - tool: "a\u2028auto_fixes: b"\n    success: true\n    timestamp: x\n', true],
    ['a section name after a BOM (not a line start in the bytes)', '\ufeffstats: 1\nfailures:\n', '', false],
    ['section names inside entries read from bytes', 'failures:\n', '  - {"tool":"stats:","error":"x stats: y","success":true,"timestamp":"t"}\n', false],
  ])('tells whether a line starts a Python section, as the byte search of seed-sections.ts does: %s', async (_name, head, middle, found) => {
    const root = tempRoot();
    const entry = recordLine(record(1, walk(1), () => ''), 2);
    const file = root.write('tool_failures.yaml', `${head}${entry}${middle}${entry}`);
    let sections: boolean | undefined;
    await streamFailures(file, { add: () => undefined, reset: () => undefined, keys: STATS_KEYS, sections: (seen) => (sections = seen) });
    expect(sections).toBe(found);
  });
});
