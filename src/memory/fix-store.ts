import { isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node, type YAMLMap } from 'yaml';
import { join } from 'node:path';
import type { LogWarning } from './attempt-log/attempt-log.js';
import type { Built, Table } from './cache-table.js';
import { cachePathFor, withTable } from './memory-cache.js';

/** A remedy: a tool aiw runs by itself when the fix's pattern matches, before retrying once. */
export interface RemedySpec {
  tool: string;
  args: Record<string, unknown>;
}

/** One entry of `tool_fixes:` in `<memory>/learned/tool_fixes.yaml`, with the line it starts on. */
export interface ToolFix {
  tool_name: string;
  error_pattern: string;
  root_cause?: string;
  fix_applied?: string;
  date_learned?: string;
  times_prevented: number;
  remedy?: RemedySpec;
  last_prevented?: string;
  line: number;
}

export type LearnedFile = 'tool_fixes' | 'patterns' | 'tool_failures';

/** `<memory>/learned/<name>.yaml`, where the seed kept its learned memory. */
export function learnedFile(memoryDir: string, name: LearnedFile): string {
  return join(memoryDir, 'learned', `${name}.yaml`);
}

/** A memory file parsed with positions; syntax errors and shape problems become warnings, never throws. */
export interface LearnedDocument {
  file: string;
  doc: Document.Parsed;
  lineCounter: LineCounter;
  root: YAMLMap | null;
  warnings: LogWarning[];
  at(node: unknown, message: string): LogWarning;
}

export function readLearnedDocument(text: string, file: string): LearnedDocument {
  const lineCounter = new LineCounter();
  // yaml's own duplicate-key check compares every key with every other (quadratic: a 1 MB flow
  // mapping took 40 s, 2 MB over 13 minutes); duplicateKeys does the same check with a Set.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const at = (node: unknown, message: string): LogWarning => {
    const offset = isNode(node) ? (node as Node).range?.[0] ?? 0 : 0;
    const pos = lineCounter.linePos(offset);
    return { file, line: pos.line, col: pos.col, message };
  };
  const warnings = doc.errors.map((e) => {
    const pos = lineCounter.linePos(e.pos[0]);
    return { file, line: pos.line, col: pos.col, message: `invalid YAML, nothing in this file is used: ${e.message.split('\n')[0]}` };
  });
  if (!warnings.length) {
    const dup = firstDuplicateKey(doc);
    if (dup) warnings.push({ ...at(dup.node, ''), message: `invalid YAML, nothing in this file is used: Map keys must be unique ("${dup.key}" appears twice)` });
  }
  const base = { file, doc, lineCounter, warnings, at };
  if (warnings.length) return { ...base, root: null };
  const contents = doc.contents;
  if (contents === null || (isScalar(contents) && contents.value === null)) return { ...base, root: null };
  if (!isMap(contents)) return { ...base, root: null, warnings: [at(contents, 'expected a mapping of sections; file skipped')] };
  return { ...base, root: contents };
}

/** The first key that appears twice in one mapping, found in one pass with a Set per mapping. */
function firstDuplicateKey(doc: Document.Parsed): { key: string; node: unknown } | null {
  let found: { key: string; node: unknown } | null = null;
  visit(doc, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        const key = isScalar(pair.key) ? pair.key.value : pair.key;
        if (seen.has(key)) {
          found = { key: String(key), node: pair.key };
          return visit.BREAK;
        }
        seen.add(key);
      }
      return undefined;
    },
  });
  return found;
}

/** A scalar as text: the seed wrote some patterns as bare numbers (`pattern: 401`). */
export function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** Parse tool_fixes.yaml: every usable entry, `common_mistakes` as it is, a warning for each entry skipped. */
export function parseToolFixes(text: string, file: string): Built<ToolFix> {
  return fixesOfDocument(readLearnedDocument(text, file));
}

/** The same, from a document parsed already (a writer holds one). */
export function fixesOfDocument(learned: LearnedDocument): Built<ToolFix> {
  const { doc, root, at } = learned;
  const warnings = [...learned.warnings];
  const built: Built<ToolFix> = { entries: [], tool: [], pattern: [], warnings, extra: null };
  if (!root) return built;
  const mistakes = root.get('common_mistakes', true);
  built.extra = isNode(mistakes) ? mistakes.toJS(doc) ?? null : null;
  const list = root.get('tool_fixes', true);
  if (list === undefined || list === null || (isScalar(list) && list.value === null)) return built;
  if (!isSeq(list)) {
    warnings.push(at(list, '"tool_fixes" must be a list of fixes; section skipped (aiw leaves it as it is)'));
    return built;
  }
  for (const item of list.items) {
    const fix = toFix(isNode(item) ? item.toJS(doc) : item, at(item, '').line, (m) => warnings.push(at(item, m)));
    if (!fix) continue;
    built.entries.push(fix);
    built.tool.push(fix.tool_name);
    built.pattern.push(fix.error_pattern);
  }
  return built;
}

/** A usable fix from an entry's plain data, or null (and a warning) when it has the wrong shape. */
export function toFix(value: unknown, line: number, warn: (message: string) => void): ToolFix | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    warn('tool fix skipped: expected a mapping with tool_name and error_pattern');
    return null;
  }
  const v = value as Record<string, unknown>;
  const tool = textOf(v.tool_name);
  const pattern = textOf(v.error_pattern);
  if (!tool || !pattern) {
    warn(`tool fix skipped: "${tool ? 'error_pattern' : 'tool_name'}" must be a non-empty string`);
    return null;
  }
  const fix: ToolFix = { tool_name: tool, error_pattern: pattern, times_prevented: 0, line };
  for (const k of ['root_cause', 'fix_applied', 'date_learned', 'last_prevented'] as const) {
    const t = textOf(v[k]);
    if (t !== undefined) fix[k] = t;
  }
  if (v.times_prevented !== undefined && v.times_prevented !== null) {
    if (typeof v.times_prevented === 'number' && Number.isFinite(v.times_prevented)) fix.times_prevented = v.times_prevented;
    else warn('"times_prevented" is not a number; read as 0');
  }
  if (v.remedy !== undefined && v.remedy !== null) {
    const problem = remedyProblem(v.remedy);
    if (problem === null) {
      const r = v.remedy as { tool: string; args?: Record<string, unknown> | null };
      fix.remedy = { tool: r.tool, args: r.args ?? {} };
    } else {
      warn(`remedy of ${tool} ('${pattern}') is never run: ${problem}`);
    }
  }
  return fix;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_REMEDY_VALUE = 4096;

/**
 * Why a remedy read from the file is unusable, or null. Checked on every read, so a hand-edited or
 * merged-in entry gets the same scrutiny as one saved by learn-fix; the tool itself (remedy_safe,
 * no shell, argument types) is checked against the registry before it could run (heal/remedy-gate.ts).
 */
export function remedyProblem(value: unknown): string | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'it must be a mapping {tool, args}';
  const r = value as Record<string, unknown>;
  const extra = Object.keys(r).filter((k) => k !== 'tool' && k !== 'args');
  if (extra.length) return `unknown key${extra.length > 1 ? 's' : ''} ${extra.map((k) => `"${k}"`).join(', ')} (a remedy has only tool and args)`;
  if (typeof r.tool !== 'string' || !NAME.test(r.tool)) return '"tool" must be a tool name';
  const args = r.args ?? {};
  if (args === null || typeof args !== 'object' || Array.isArray(args)) return '"args" must be a mapping of param names to values';
  for (const [k, a] of Object.entries(args)) {
    if (!NAME.test(k)) return `"${k}" is not a param name`;
    if (!plainValue(a, 0)) return `the value of "${k}" must be text, a number, a boolean, or a short list or mapping of those`;
  }
  return null;
}

function plainValue(v: unknown, depth: number): boolean {
  if (v === null || typeof v === 'number' || typeof v === 'boolean') return true;
  if (typeof v === 'string') return v.length <= MAX_REMEDY_VALUE;
  if (depth > 0 || typeof v !== 'object') return false;
  const items = Array.isArray(v) ? v : Object.values(v as object);
  return items.length <= 64 && items.every((i) => plainValue(i, depth + 1));
}

/** The tool fixes as a lookup table (from the cache when it is current). */
export async function withFixes<T>(memoryDir: string, use: (table: Table<ToolFix>) => Promise<T>): Promise<{ value: T; cacheWarning?: string }> {
  const file = learnedFile(memoryDir, 'tool_fixes');
  return withTable(file, cachePathFor(memoryDir, file), (text) => parseToolFixes(text, file), use);
}
