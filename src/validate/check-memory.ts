import { readFile, stat } from 'node:fs/promises';
import { AiwError, type Problem } from '../errors/errors.js';
import { compilePattern } from '../pattern/match.js';
import { readFailureFile, sidecarPathFor } from '../memory/attempt-log/attempt-log.js';
import { readSeedSections } from '../memory/attempt-log/seed-sections.js';
import { learnedFile, parseToolFixes } from '../memory/fix-store.js';
import type { Built } from '../memory/cache-table.js';
import { LEARNED_PARSE_LIMIT, tooLarge } from '../memory/memory-cache.js';
import { parsePatterns } from '../memory/patterns-store.js';
import { measureRegexCost, type RegexCost } from '../pattern/regex-cost.js';
import { MEMORY_REGEX_TEXT, REGEX_BUDGET_MS } from '../learn/known-issues.js';

/** A regex that takes this long on one probe would spend a lookup's whole budget in a few entries. */
const SLOW_REGEX_MS = 20;

/**
 * Memory files for `aiw validate`: what the readers had to skip (with `file:line:col`) and learned
 * or known patterns that would be refused at lookup (invalid, or able to backtrack catastrophically).
 * Reads only; a memory file is never changed by validation.
 */
export async function checkMemoryFiles(memoryDir: string): Promise<Problem[]> {
  const problems: Problem[] = [];
  // A pattern category of another shape (the Python project stored one as a single string, another
  // holds statistics) is that project's data, not a mistake: a warning, as in every other command.
  const warn = (w: { file: string; line: number; col: number; message: string }) =>
    problems.push({ file: w.file, line: w.line, col: w.col, code: 'VALIDATION', message: w.message, ...(/^category "/.test(w.message) ? { severity: 'warning' as const } : {}) });
  const checkPattern = (file: string, line: number, source: string) => {
    try {
      compilePattern(source, `${file}:${line}`);
    } catch (err) {
      if (!(err instanceof AiwError)) throw err;
      problems.push({ file, line, col: 1, code: 'PATTERN', message: err.message });
    }
  };
  for (const [name, parse] of [['tool_fixes', parseToolFixes], ['patterns', parsePatterns]] as const) {
    const file = learnedFile(memoryDir, name);
    const text = await readIfExists(file, problems);
    if (text === undefined) continue;
    const built: Built<{ line: number }> = parse(text, file);
    built.warnings.forEach(warn);
    const measured = new Map<string, RegexCost | null>();
    built.entries.forEach((entry, i) => {
      const pattern = built.pattern[i];
      if (!pattern) return;
      checkPattern(file, entry.line, pattern);
      if (!measured.has(pattern)) measured.set(pattern, measureRegexCost(pattern, MEMORY_REGEX_TEXT));
      const cost = measured.get(pattern);
      if (cost && cost.worstMs >= SLOW_REGEX_MS) {
        problems.push({
          file, line: entry.line, col: 1, code: 'PATTERN',
          message: `pattern ${JSON.stringify(pattern)} is slow on hostile text (${Math.round(cost.worstMs)} ms on ${cost.probe}); lookups give all regexes ${REGEX_BUDGET_MS} ms in all, so it can crowd out the others: anchor it, bound its repeats, or use a plain pattern`,
        });
      }
    });
  }
  const failuresFile = learnedFile(memoryDir, 'tool_failures');
  for (const file of [failuresFile, sidecarPathFor(failuresFile)]) {
    (await readFailureFile(file)).warnings.forEach(warn);
  }
  (await readSeedSections(failuresFile)).warnings.forEach(warn);
  return problems;
}

async function readIfExists(file: string, problems: Problem[]): Promise<string | undefined> {
  try {
    const { size } = await stat(file);
    if (size > LEARNED_PARSE_LIMIT) {
      problems.push({ ...tooLarge(file, size), code: 'VALIDATION' });
      return undefined;
    }
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new AiwError('MEMORY_READ', `cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
}
