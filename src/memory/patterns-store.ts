import { isNode, isScalar, isSeq, type Node } from 'yaml';
import { learnedFile, readLearnedDocument, textOf } from './fix-store.js';
import type { Built, Table } from './cache-table.js';
import { cachePathFor, withTable } from './memory-cache.js';

/** One entry of a `*_patterns` category in `<memory>/learned/patterns.yaml`. */
export interface PatternEntry {
  category: string;
  pattern: string;
  meaning?: string;
  fix?: string;
  commands: string[];
  line: number;
}

const CATEGORY = /_patterns$/;

/**
 * Parse patterns.yaml: every list under a key ending in `_patterns`. The seed's file also holds
 * unrelated sections (code_searches, hygiene_checks, ...), which are not categories and are
 * ignored; a category of the wrong shape (the seed stored one as a single long string, another
 * holds daily statistics) gets one warning at its key and is skipped, never rewritten.
 */
export function parsePatterns(text: string, file: string): Built<PatternEntry> {
  const { doc, root, warnings, at } = readLearnedDocument(text, file);
  const built: Built<PatternEntry> = { entries: [], tool: [], pattern: [], warnings };
  if (!root) return built;
  for (const pair of root.items) {
    const category = isScalar(pair.key) ? String(pair.key.value) : '';
    if (!CATEGORY.test(category)) continue;
    const list = pair.value;
    if (list === null || (isScalar(list) && (list.value === null || list.value === ''))) continue;
    if (!isSeq(list)) {
      const found = isScalar(list) ? (typeof list.value === 'string' ? 'one long string' : `a ${typeof list.value}`) : 'a mapping';
      warnings.push(at(pair.key, `category "${category}" skipped: expected a list of {pattern, meaning, fix, commands}, found ${found}`));
      continue;
    }
    let skipped = 0;
    for (const item of list.items) {
      const entry = toEntry(category, isNode(item) ? item.toJS(doc) : item, at(item, '').line);
      if (!entry) {
        skipped++;
        continue;
      }
      built.entries.push(entry);
      built.tool.push(null);
      built.pattern.push(entry.pattern);
    }
    // One warning per category: the seed's daily_patterns holds hundreds of statistics entries.
    if (skipped) {
      warnings.push(at(pair.key as Node, `category "${category}": ${skipped} of ${list.items.length} entr${list.items.length === 1 ? 'y' : 'ies'} skipped (each needs a "pattern" text)`));
    }
  }
  return built;
}

function toEntry(category: string, value: unknown, line: number): PatternEntry | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  const pattern = textOf(v.pattern);
  if (!pattern) return null;
  const entry: PatternEntry = { category, pattern, commands: commandsOf(v.commands), line };
  // Some of the Python project's categories say `description` / `solution` for meaning / fix.
  const meaning = textOf(v.meaning) ?? textOf(v.description);
  const fix = textOf(v.fix) ?? textOf(v.solution);
  if (meaning !== undefined) entry.meaning = meaning;
  if (fix !== undefined) entry.fix = fix;
  return entry;
}

function commandsOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.map((c) => (typeof c === 'string' ? c : JSON.stringify(c)));
  const one = textOf(value);
  return one === undefined ? [] : [one];
}

/** The patterns as a lookup table (from the cache when it is current). */
export async function withPatterns<T>(memoryDir: string, use: (table: Table<PatternEntry>) => Promise<T>): Promise<{ value: T; cacheWarning?: string }> {
  const file = learnedFile(memoryDir, 'patterns');
  return withTable(file, cachePathFor(memoryDir, file), (text) => parsePatterns(text, file), use);
}
