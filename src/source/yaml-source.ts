// Read synchronously: project files are small, and node:fs/promises costs every start ~2 ms to load.
import { readFileSync } from 'node:fs';
import type { Document, LineCounter } from 'yaml';
import { AiwError, type Problem } from '../errors/errors.js';
import { findPosition, type PosNode } from './positions.js';

/**
 * A parsed YAML file that still knows where every value came from: `locate()` reads its position
 * tree (positions.ts), never a yaml Document. A source served by the parse cache (parse-cache.ts)
 * has no Document, and the yaml library is not even loaded, unless `document()` asks for it.
 */
export interface YamlSource {
  readonly file: string;
  readonly text: string;
  readonly value: unknown;
  /** Where each node starts (see positions.ts). */
  readonly positions: PosNode;
  /** The yaml Document of `text`, parsed on first call. */
  document(): Promise<{ doc: Document.Parsed; lineCounter: LineCounter }>;
  /** The schema kinds (`skill`, `tool`, `config`) the value is already known to satisfy. */
  readonly schemaValid: ReadonlySet<string>;
  /** Called by checkSchema when the value passes `kind`, so the parse cache can keep that verdict. */
  schemaPassed(kind: string): void;
}

export type JsonPath = ReadonlyArray<string | number>;

/** What a source is made of besides its file and text; a parse cache entry holds value and positions. */
export interface SourceParts {
  value: unknown;
  positions: PosNode;
  schemaValid?: Iterable<string>;
  onSchemaPassed?: (kind: string) => void;
}

type Doc = { doc: Document.Parsed; lineCounter: LineCounter };

class Source implements YamlSource {
  readonly value: unknown;
  readonly positions: PosNode;
  readonly schemaValid: Set<string>;
  readonly #onSchemaPassed?: (kind: string) => void;
  #doc?: Promise<Doc>;

  constructor(readonly file: string, readonly text: string, parts: SourceParts, doc?: Doc) {
    this.value = parts.value;
    this.positions = parts.positions;
    this.schemaValid = new Set(parts.schemaValid ?? []);
    this.#onSchemaPassed = parts.onSchemaPassed;
    if (doc) this.#doc = Promise.resolve(doc);
  }

  document(): Promise<Doc> {
    this.#doc ??= import('./yaml-parse.js').then(({ parseText }) => parseText(this.file, this.text));
    return this.#doc;
  }

  schemaPassed(kind: string): void {
    if (this.schemaValid.has(kind)) return;
    this.schemaValid.add(kind);
    this.#onSchemaPassed?.(kind);
  }
}

/** A source from parts known to be right (a parse cache entry of exactly this text). */
export function sourceFromParts(file: string, text: string, parts: SourceParts): YamlSource {
  return new Source(file, text, parts);
}

/** Parse `text`; syntax problems come back as Problems with `file:line:col`, all of them at once. */
export async function parseYamlSource(file: string, text: string, parts: Omit<SourceParts, 'value' | 'positions'> = {}): Promise<{ source: YamlSource; problems: Problem[] }> {
  // Loaded here, on the first file that has to be parsed: the yaml library costs every start that loads it.
  const { parseText } = await import('./yaml-parse.js');
  const parsed = parseText(file, text);
  const source = new Source(file, text, { ...parts, value: parsed.value, positions: parsed.positions }, parsed);
  return { source, problems: parsed.problems };
}

/** The bytes of `file`, or a USAGE error naming it. */
export async function readSourceBytes(file: string): Promise<Buffer> {
  try {
    return readFileSync(file);
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
