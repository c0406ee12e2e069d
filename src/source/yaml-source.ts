import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument, visit, type Document } from 'yaml';
import { AiwError, type Problem } from '../errors/errors.js';
import { findPosition, positionTree, type PosNode } from './positions.js';

/**
 * A parsed YAML file that still knows where every value came from. `locate()` reads `positions`;
 * `doc` and `lineCounter` are parsed from `text` on first use, so a source served by the parse cache
 * (src/source/parse-cache.ts) never pays for a yaml Document unless something asks for one.
 */
export interface YamlSource {
  readonly file: string;
  readonly text: string;
  readonly value: unknown;
  readonly doc: Document.Parsed;
  readonly lineCounter: LineCounter;
  /** Where each node starts (see positions.ts). */
  readonly positions: PosNode;
  /** The schema kinds (`skill`, `tool`, `config`) the value is already known to satisfy. */
  readonly schemaValid: ReadonlySet<string>;
  /** Called by checkSchema when the value passes `kind`, so the parse cache can keep that verdict. */
  schemaPassed(kind: string): void;
}

export type JsonPath = ReadonlyArray<string | number>;

/** The parts of a source a cache entry holds; see parse-cache.ts. */
export interface SourceParts {
  value: unknown;
  positions?: PosNode;
  schemaValid?: Iterable<string>;
  onSchemaPassed?: (kind: string) => void;
}

class LazySource implements YamlSource {
  #parsed?: { doc: Document.Parsed; lineCounter: LineCounter };
  #positions?: PosNode;
  readonly value: unknown;
  readonly schemaValid: Set<string>;
  readonly #onSchemaPassed?: (kind: string) => void;

  constructor(readonly file: string, readonly text: string, parts: SourceParts, parsed?: { doc: Document.Parsed; lineCounter: LineCounter }) {
    this.value = parts.value;
    this.#positions = parts.positions;
    this.schemaValid = new Set(parts.schemaValid ?? []);
    this.#onSchemaPassed = parts.onSchemaPassed;
    this.#parsed = parsed;
  }

  get doc(): Document.Parsed {
    return this.#document().doc;
  }

  get lineCounter(): LineCounter {
    return this.#document().lineCounter;
  }

  get positions(): PosNode {
    this.#positions ??= positionTree(this.doc, this.lineCounter);
    return this.#positions;
  }

  schemaPassed(kind: string): void {
    if (this.schemaValid.has(kind)) return;
    this.schemaValid.add(kind);
    this.#onSchemaPassed?.(kind);
  }

  #document(): { doc: Document.Parsed; lineCounter: LineCounter } {
    // Only a cached source gets here without a Document, and only files without problems are cached.
    this.#parsed ??= parseText(this.text);
    return this.#parsed;
  }
}

function parseText(text: string): { doc: Document.Parsed; lineCounter: LineCounter } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  return { doc, lineCounter };
}

/** A source from parts known to be right (a parse cache entry of exactly this text). */
export function sourceFromParts(file: string, text: string, parts: SourceParts): YamlSource {
  return new LazySource(file, text, parts);
}

/** Parse `text`; syntax problems come back as Problems with `file:line:col`, all of them at once. */
export function parseYamlSource(file: string, text: string, parts: Omit<SourceParts, 'value' | 'positions'> = {}): { source: YamlSource; problems: Problem[] } {
  const parsed = parseText(text);
  const { doc, lineCounter } = parsed;
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
  return { source: new LazySource(file, text, { ...parts, value }, parsed), problems };
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

/** The bytes of `file`, or a USAGE error naming it. */
export async function readSourceBytes(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    throw new AiwError('USAGE', `cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Where `path` points in the file: the value's node when it exists, else the nearest existing
 * ancestor. With `key: true` the position of the mapping key is returned (for "unknown property").
 */
export function locate(source: YamlSource, path: JsonPath, options: { key?: boolean } = {}): { line: number; col: number } {
  const { line, col } = findPosition(source.positions, path, options.key === true);
  return { line, col };
}

/**
 * The line where code in the scalar at `path` starts: the line after a block scalar's `|` or `>`,
 * so compute errors point at the code's own lines.
 */
export function codeLine(source: YamlSource, path: JsonPath): number {
  const { line, block } = findPosition(source.positions, path, false);
  return block ? line + 1 : line;
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
