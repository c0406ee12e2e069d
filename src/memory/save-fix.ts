import { mkdir, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AiwError } from '../errors/errors.js';
import { compilePattern } from '../pattern/match.js';
import { looksSecret, redact } from '../secrets/redact.js';
import { writeFileAtomic } from '../files/atomic-write.js';
import { FixesEditor } from './fix-edit.js';
import { fixesOfDocument, learnedFile, toFix, type RemedySpec } from './fix-store.js';
import { withLock } from '../files/lock.js';
import { cachePathFor, LEARNED_PARSE_LIMIT, storeTable, tooLarge } from './memory-cache.js';

/** What `aiw learn-fix` and the `learn_tool_fix` tool save. */
export interface LearnFixInput {
  tool: string;
  pattern: string;
  rootCause: string;
  fix: string;
  remedy?: RemedySpec;
  /** Local date YYYY-MM-DD; today unless given (tests). */
  today?: string;
}

/** The saved entry as it now stands in the file. */
export interface SavedFix {
  tool_name: string;
  error_pattern: string;
  root_cause: string;
  fix_applied: string;
  date_learned: string;
  times_prevented: number;
  remedy?: RemedySpec;
  last_prevented?: string;
}

export interface LearnFixResult {
  fix: SavedFix;
  /** False when an entry for the same tool and pattern was updated instead of a twin added. */
  created: boolean;
  file: string;
  line: number;
}

/**
 * Save a fix in `<memory>/learned/tool_fixes.yaml`: a new entry dated today with
 * `times_prevented: 0`, or, when the tool already has an entry with the same pattern, that entry
 * updated (root cause, fix, date; a remedy only when one is given; its count is kept). The
 * pattern must compile (PATTERN error, exit 2, otherwise). Locked and atomic, so concurrent
 * learn-fix processes all land and none adds a twin.
 */
export async function learnFix(memoryDir: string, input: LearnFixInput, warnings: string[] = []): Promise<LearnFixResult> {
  const { tool, pattern, ...checked } = checkFix(input, warnings);
  const values: Record<string, unknown> = { ...checked };
  if (input.remedy) values.remedy = { tool: input.remedy.tool, args: input.remedy.args };
  const file = learnedFile(memoryDir, 'tool_fixes');
  return editFixes(memoryDir, warnings, (editor) => {
    const index = editor.find(tool, (other) => samePattern(other, pattern));
    if (index >= 0) {
      editor.set(index, values);
      const before = editor.entry(index);
      return { fix: { ...(before as unknown as SavedFix), ...values } as SavedFix, created: false, file, line: editor.lineOf(index) };
    }
    // Key order of the seed's entries, with the remedy last.
    const entry = {
      tool_name: tool, error_pattern: pattern, root_cause: values.root_cause, fix_applied: values.fix_applied, date_learned: values.date_learned,
      times_prevented: 0, ...(input.remedy ? { remedy: values.remedy } : {}),
    };
    editor.append(entry);
    return { fix: entry as SavedFix, created: true, file, line: editor.appendedLine ?? 0 };
  });
}

/**
 * tool_fixes.yaml is committed and shared, and its lookup cache copies it: a secret pasted into a fix
 * must never reach either. A tool name, a pattern or a remedy argument cannot be masked without
 * changing what it does, so a secret-looking one is refused; prose is masked, with a warning.
 */
/**
 * A fix as every store saves it: tool and pattern trimmed and checked (a pattern must compile, a
 * secret is refused), prose masked with a warning, the date of today unless given.
 */
export function checkFix(input: LearnFixInput, warnings: string[]): { tool: string; pattern: string; root_cause: string; fix_applied: string; date_learned: string } {
  const pattern = input.pattern.trim();
  const tool = input.tool.trim();
  if (!tool) throw new AiwError('USAGE', 'learn-fix needs a tool name');
  if (!pattern) throw new AiwError('USAGE', 'learn-fix needs an error pattern');
  compilePattern(pattern, 'learn-fix --pattern');
  refuseSecrets(tool, pattern, input.remedy);
  return {
    tool, pattern,
    root_cause: maskProse(input.rootCause.trim(), 'root cause', warnings), fix_applied: maskProse(input.fix.trim(), 'fix', warnings),
    date_learned: input.today ?? localDate(new Date()),
  };
}

function refuseSecrets(tool: string, pattern: string, remedy: LearnFixInput['remedy']): void {
  const where = looksSecret(tool) ? 'tool name' : looksSecret(pattern) ? 'pattern' : remedy && looksSecret(`${remedy.tool} ${JSON.stringify(remedy.args ?? {})}`) ? 'remedy' : null;
  if (where) {
    throw new AiwError('USAGE', `the ${where} holds what looks like a secret (a token, key or password); nothing was saved`, {
      hint: 'memory is a shared, committed file: keep secrets in the environment and refer to them by name',
    });
  }
}

function maskProse(text: string, what: string, warnings: string[]): string {
  const masked = redact(text);
  if (masked !== text) warnings.push(`the ${what} holds what looks like a secret; it is saved masked (***)`);
  return masked;
}

/**
 * Count one prevented repeat for the fix of `tool` with `pattern`: `times_prevented` + 1 and
 * `last_prevented` set to `when`. Returns the new count, or null when the entry is gone.
 */
export async function markFixPrevented(memoryDir: string, tool: string, pattern: string, when: string, warnings: string[] = []): Promise<number | null> {
  return editFixes(memoryDir, warnings, (editor) => {
    const index = editor.find(tool, (other) => other.trim() === pattern.trim());
    if (index < 0) return null;
    const current = editor.entry(index).times_prevented;
    const count = (typeof current === 'number' && Number.isFinite(current) ? current : 0) + 1;
    editor.set(index, { times_prevented: count, last_prevented: when });
    return count;
  });
}

/**
 * Read, edit and replace tool_fixes.yaml under its lock; a file that cannot be parsed is never
 * written. The lookup cache is then brought up to date from the edit itself (parsing a large
 * file again would cost the next lookup a second); problems with it land in `warnings`.
 */
async function editFixes<T>(memoryDir: string, warnings: string[], edit: (editor: FixesEditor) => T): Promise<T> {
  const file = learnedFile(memoryDir, 'tool_fixes');
  try {
    await mkdir(dirname(file), { recursive: true });
  } catch (err) {
    throw new AiwError('MEMORY_WRITE', `cannot create ${dirname(file)}: ${(err as Error).message}`, { cause: err });
  }
  return withLock(file, async () => {
    const text = await readOrEmpty(file);
    const editor = new FixesEditor(text, file);
    const result = edit(editor);
    const next = editor.result();
    if (next !== text) {
      try {
        await writeFileAtomic(file, next);
      } catch (err) {
        throw new AiwError('MEMORY_WRITE', `cannot write ${file}: ${(err as Error).message}`, { cause: err, location: { file } });
      }
      const cacheWarning = await refreshCache(memoryDir, file, editor, next);
      if (cacheWarning) warnings.push(cacheWarning);
    }
    return result;
  });
}

/** The table of the new text: the old one with lines moved past the splice, and the changed entry. */
async function refreshCache(memoryDir: string, file: string, editor: FixesEditor, text: string): Promise<string | undefined> {
  const change = editor.change;
  if (!change) return undefined;
  const built = fixesOfDocument(editor.learned);
  for (const item of [...built.entries, ...built.warnings]) item.line = editor.newLine(item.line);
  const fix = toFix(change.fix, change.line, (message) => built.warnings.push({ file, line: change.line, col: 1, message }));
  if (!fix) return undefined;
  const at = change.replaces ? built.entries.findIndex((e) => e.tool_name === change.replaces!.tool && e.error_pattern === change.replaces!.pattern) : -1;
  const row = at >= 0 ? at : built.entries.length;
  built.entries[row] = fix;
  built.tool[row] = fix.tool_name;
  built.pattern[row] = fix.error_pattern;
  try {
    return await storeTable(file, cachePathFor(memoryDir, file), text, built);
  } catch (err) {
    // The fix is saved; only the cache is stale, and the next lookup rebuilds it.
    return `lookup cache for ${file} not updated (the next lookup rebuilds it): ${(err as Error).message}`;
  }
}

async function readOrEmpty(file: string): Promise<string> {
  try {
    const { size } = await stat(file);
    if (size > LEARNED_PARSE_LIMIT) {
      const w = tooLarge(file, size);
      throw new AiwError('MEMORY_READ', `${file}: not written: ${w.message}`, { location: { file, line: 1, col: 1 } });
    }
    return await readFile(file, 'utf8');
  } catch (err) {
    if (err instanceof AiwError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return NEW_FILE;
    throw new AiwError('MEMORY_READ', `cannot read ${file}: ${(err as Error).message}`, { cause: err, location: { file } });
  }
}

const NEW_FILE = [
  '# Fixes aiw has learned (aiw learn-fix, or the learn_tool_fix tool in a skill). When a failure',
  '# matches error_pattern, aiw shows the fix; when the entry has a remedy, aiw runs it and retries.',
  '# Edit freely: aiw keeps comments and order, and only ever adds or updates entries.',
  '',
].join('\n');

/**
 * Plain patterns match case-insensitively, so `Manifest Unknown` is the same pattern as
 * `manifest unknown`; a /regex/ is the same only when written the same.
 */
export function samePattern(a: string, b: string): boolean {
  const x = a.trim();
  const y = b.trim();
  if (x.startsWith('/') || y.startsWith('/')) return x === y;
  return x.toLowerCase().replace(/\s+/g, ' ') === y.toLowerCase().replace(/\s+/g, ' ');
}

/** Local calendar date as YYYY-MM-DD (the user's today, not UTC's). */
export function localDate(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}
