import { readFile } from 'node:fs/promises';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import { AiwError, type Problem } from '../errors/errors.js';

/** A parsed YAML file that still knows where every value came from. */
export interface YamlSource {
  file: string;
  text: string;
  doc: Document.Parsed;
  lineCounter: LineCounter;
  value: unknown;
}

export type JsonPath = ReadonlyArray<string | number>;

/** Parse `text`; syntax problems come back as Problems with `file:line:col`, all of them at once. */
export function parseYamlSource(file: string, text: string): { source: YamlSource; problems: Problem[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const problems: Problem[] = doc.errors.map((e) => {
    const pos = lineCounter.linePos(e.pos[0]);
    return { file, line: pos.line, col: pos.col, code: 'YAML_SYNTAX', message: firstLine(e.message) };
  });
  let value: unknown;
  if (!problems.length) {
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      // Only aliases fail here: one to an anchor defined later, or an "alias bomb" that would
      // expand to millions of nodes. Report it at the first alias, like a syntax error.
      const pos = lineCounter.linePos(firstAliasOffset(doc));
      problems.push({ file, line: pos.line, col: pos.col, code: 'YAML_SYNTAX', message: firstLine((err as Error).message) });
    }
  }
  return { source: { file, text, doc, lineCounter, value }, problems };
}

function firstAliasOffset(doc: Document.Parsed): number {
  let offset = 0;
  visit(doc, {
    Alias(_key, node) {
      offset = node.range?.[0] ?? 0;
      return visit.BREAK;
    },
  });
  return offset;
}

/** Read and parse a file, throwing a ValidationError-shaped AiwError on the first syntax problem. */
export async function readYamlSource(file: string): Promise<{ source: YamlSource; problems: Problem[] }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new AiwError('USAGE', `cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  return parseYamlSource(file, text);
}

/**
 * Where `path` points in the file: the value's node when it exists, else the nearest existing
 * ancestor. With `key: true` the position of the mapping key is returned (for "unknown property").
 */
export function locate(source: YamlSource, path: JsonPath, options: { key?: boolean } = {}): { line: number; col: number } {
  let node: unknown = source.doc.contents;
  let best: Node | null = (node as Node) ?? null;
  for (const segment of path) {
    const next = child(node, segment, options.key === true && segment === path[path.length - 1]);
    if (!next) break;
    node = next;
    best = next;
  }
  const offset = best?.range?.[0] ?? 0;
  return source.lineCounter.linePos(offset);
}

function child(node: unknown, segment: string | number, wantKey: boolean): Node | null {
  if (isMap(node)) {
    for (const pair of node.items) {
      if (isPair(pair) && isScalar(pair.key) && String(pair.key.value) === String(segment)) {
        if (wantKey) return pair.key;
        return (pair.value as Node | null) ?? pair.key;
      }
    }
    return null;
  }
  if (isSeq(node) && typeof segment === 'number') return (node.items[segment] as Node | undefined) ?? null;
  return null;
}

/** A parsed ajv/JSON pointer ("/steps/0/args") as path segments, numbers for array indexes. */
export function pointerToPath(pointer: string): Array<string | number> {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
