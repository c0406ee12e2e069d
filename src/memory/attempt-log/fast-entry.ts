import { FIELDS, type FailureRecord, type FieldType, type LoggedFailure } from './record.js';

/*
 * The fast path for the one shape aiw itself writes (record.ts `recordLine`): `{"tool":...}` with
 * only known keys, each at most once and in the written order, every value of its field's type,
 * strings without raw control or line-like characters, integers without a sign trick or exponent.
 * One native regex match checks the whole line and captures only the values a reader asked for:
 * `aiw memory stats` reads 9 of 15 keys and never the long error text, so this is several times
 * cheaper than `JSON.parse` plus `recordProblem` on a 100,000-entry log. Anything else (a hand
 * edit, a comment, another key order, a float) is refused, and the caller's full readers decide.
 * What this accepts reads as `JSON.parse` and the YAML reader read it
 * (test/memory/attempt-log/fast-entry.test.ts checks both over a varied log).
 */

/** Keys of an entry a reader uses; an entry read by `readEntryKeys` has only these set. */
export type EntryKeys = ReadonlyArray<keyof LoggedFailure>;

// A JSON string body. Refused raw: C0/C1 controls, DEL, U+2028/9, U+FEFF (the writer escapes
// them; YAML readers treat some as breaks). Escapes: only JSON's, which YAML reads the same way.
const STRING = String.raw`(?:[^"\\\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*`;
// The same over latin1 text (one character per byte): ASCII only, so the text is also the UTF-8
// text; a byte above 0x7f is refused and its line read as UTF-8 by the readers above. Unrolled
// (runs of plain characters, then an escape): V8 runs it without a backtrack entry per character.
const ASCII_CHAR = String.raw`[^"\\\x00-\x1f\x7f-\xff]`;
const ASCII_STRING = String.raw`${ASCII_CHAR}*(?:\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})${ASCII_CHAR}*)*`;
// At most 15 digits: always finite and exact; no `-0` (JSON keeps its sign, not every reader does).
const INTEGER = String.raw`0|-?[1-9]\d{0,14}`;
const KINDS = ['attempt', 'fix', 'remedy', 'interrupted'] as const;

/**
 * A field's value pattern. With `capture`, a string or number's text is group 1; everything else is
 * told by which empty group matched (`null()`, `true()`, `fix()`), which costs no string per entry:
 * nullable fields put `null` in the next group, booleans use two groups, kinds four.
 */
function valuePattern(type: FieldType, capture: boolean, string: string): string {
  const c = (p: string) => (capture ? `(${p})` : `(?:${p})`);
  const mark = capture ? '()' : '';
  switch (type) {
    case 'string':
      return `"${c(string)}"`;
    case 'string?':
      return `(?:"${c(string)}"|null${mark})`;
    case 'boolean':
      return `(?:true${mark}|false${mark})`;
    case 'number':
      return c(INTEGER);
    case 'number?':
      return `(?:${c(INTEGER)}|null${mark})`;
    case 'kind':
      return `"(?:${KINDS.map((kind) => `${kind}${mark}`).join('|')})"`;
  }
}

/** How many capture groups a captured field of `type` takes in its pattern. */
function groupCount(type: FieldType): number {
  return type === 'string' || type === 'number' ? 1 : type === 'kind' ? KINDS.length : 2;
}

export interface Reader {
  line: RegExp;
  /** The captured fields (indexes in FIELDS), their types, and the first capture group of each (see valuePattern). */
  fields: number[];
  types: FieldType[];
  groups: number[];
  /** Reused for each entry: the values in FIELDS order; fields not captured stay undefined. */
  values: unknown[];
}

// One reader per list of keys (a reader passes the same list for every entry).
const readers = new WeakMap<EntryKeys, Reader>();
let lastKeys: EntryKeys | undefined;
let lastReader: Reader | undefined;

function readerFor(keys: EntryKeys): Reader {
  if (keys === lastKeys && lastReader) return lastReader;
  let reader = readers.get(keys);
  if (!reader) readers.set(keys, (reader = buildReader(keys)));
  lastKeys = keys;
  lastReader = reader;
  return reader;
}

/**
 * The regex of a line in aiw's shape and where its values are. `latin1`: the variant for latin1
 * text of many lines (ASCII strings only), which also takes the line's end, `\n` or `\r\n`.
 */
export function buildReader(keys: EntryKeys, latin1 = false): Reader {
  const reader: Reader = { line: /$^/, fields: [], types: [], groups: [], values: FIELDS.map(() => undefined) };
  const string = latin1 ? ASCII_STRING : STRING;
  let next = 1;
  // The first field (tool) is required, so every later one starts with its comma.
  const pairs = FIELDS.map(([key, type, required], i) => {
    const capture = keys.includes(key);
    if (capture) {
      reader.fields.push(i);
      reader.types.push(type);
      reader.groups.push(next);
      next += groupCount(type);
    }
    const pair = `${i === 0 ? '' : ','}"${key}":${valuePattern(type, capture, string)}`;
    return required ? pair : `(?:${pair})?`;
  });
  reader.line = new RegExp(`\\{${pairs.join('')}\\}${latin1 ? '\\r?\\n' : '$'}`, 'y');
  return reader;
}

/**
 * The entry on `line` read from column `from` (where its `{` is), when the line is in aiw's own
 * shape; else undefined, for the full readers to decide. Only `keys` are set on the entry (the
 * others are left undefined even when the line has them); a returned entry is already checked.
 */
export function readEntryKeys(line: string, from: number, keys: EntryKeys): LoggedFailure | undefined {
  const { line: pattern, fields, types, groups, values: v } = readerFor(keys);
  pattern.lastIndex = from;
  const m = pattern.exec(line);
  if (m === null) return undefined;
  for (let i = 0; i < fields.length; i++) v[fields[i] as number] = valueOf(m, groups[i] as number, types[i] as FieldType);
  // Every key set by name, in one literal: one object shape for every entry, no shape change per key.
  const entry: Record<keyof FailureRecord, unknown> = {
    tool: v[0], error: v[1], error_type: v[2], fix_attempted: v[3], success: v[4], timestamp: v[5], skill: v[6], step: v[7],
    attempt: v[8], duration_ms: v[9], run_id: v[10], pattern: v[11], kind: v[12], exit_code: v[13], http_status: v[14],
  };
  return entry as LoggedFailure;
}

export function valueOf(m: RegExpExecArray, at: number, type: FieldType): unknown {
  switch (type) {
    case 'boolean':
      return m[at] !== undefined ? true : m[at + 1] !== undefined ? false : undefined;
    case 'kind':
      for (let k = 0; k < KINDS.length; k++) if (m[at + k] !== undefined) return KINDS[k];
      return undefined;
    case 'string?':
    case 'number?':
      if (m[at + 1] !== undefined) return null;
  }
  const text = m[at];
  if (text === undefined) return undefined;
  if (type === 'number' || type === 'number?') return Number(text);
  // Escapes are rare (quotes, newlines in error text): JSON.parse decodes just that string.
  return text.includes('\\') ? (JSON.parse(`"${text}"`) as string) : text;
}
