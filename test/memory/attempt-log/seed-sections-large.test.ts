import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSeedSections } from '../../../src/memory/attempt-log/seed-sections.js';
import { FULL_PARSE_LIMIT } from '../../../src/memory/attempt-log/scan.js';

// What a line starting a section was before the byte search (a multiline regex over the text).
const SECTION = /^(?:auto_fixes|tool_failures|failure_history|stats):/m;
const LINE = '  - {"tool":"t","success":true,"timestamp":"2026-01-04T10:30:00Z"}\n';
// Just over the limit, so the sections are only looked for, and the file is read in several chunks.
const BODY = LINE.repeat(Math.ceil((FULL_PARSE_LIMIT + 1) / LINE.length));
// The read chunk is 1 MiB: put a section start across that seam.
const SEAM = 1024 * 1024;

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'aiw-seed-large-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const spliced = (at: number, text: string) => BODY.slice(0, at) + text + BODY.slice(at);

const CASES: Array<[string, string]> = [
  ['no section', `failures:\n${BODY}`],
  ['a section first', `stats:\n  total_failures: 1\nfailures:\n${BODY}`],
  ['a section after the list', `failures:\n${BODY}failure_history:\n  - {}\n`],
  ['a section across the 1 MiB seam', `failures:\n${spliced(SEAM - 12, '\ntool_failures: {}\n')}`],
  ['a section after a lone CR', `failures:\n${spliced(5000, '\rauto_fixes: {}\n')}`],
  ['a section after U+2028', `failures:\n${spliced(7000, '\u2028stats: {}\n')}`],
  ['an indented name only', `failures:\n${spliced(9000, '  stats: {}\n')}`],
  ['a name inside a line only', `failures:\n${spliced(9000, '# see stats: below\n')}`],
  ['a name after a BOM only', `\ufeffstats: {}\nfailures:\n${BODY}`],
  ['a name without its colon', `failures:\n${BODY}stats\n`],
];

describe("the Python project's sections in a log too large to parse", () => {
  it.each(CASES)('are found exactly where a line starts one: %s', async (_name, text) => {
    const file = join(root, 'tool_failures.yaml');
    await writeFile(file, text);
    const seed = await readSeedSections(file);
    expect(seed.warnings.length > 0).toBe(SECTION.test(text));
    if (seed.warnings.length > 0) expect(seed.warnings[0]!.message).toContain("the Python project's sections not read");
  });

  it('finds them in the cases that have one', () => {
    expect(CASES.filter(([, text]) => SECTION.test(text)).map(([name]) => name)).toEqual([
      'a section first', 'a section after the list', 'a section across the 1 MiB seam', 'a section after a lone CR', 'a section after U+2028',
    ]);
  });
});
