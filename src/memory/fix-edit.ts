import { isMap, isScalar, isSeq, stringify, type Document, type LineCounter, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';
import { AiwError } from '../errors/errors.js';
import { readLearnedDocument, textOf, type LearnedDocument } from './fix-store.js';

/** What an edit did, so the lookup cache can be brought up to date without parsing the file again. */
export interface FixChange {
  /** The entry as it now is, as plain data. */
  fix: Record<string, unknown>;
  /** Its first line in the new text. */
  line: number;
  /** The tool and pattern of the entry it replaced; null for a new entry. */
  replaces: { tool: string; pattern: string } | null;
}

interface Splice {
  at: number;
  end: number;
  text: string;
}

/**
 * Minimal edits of tool_fixes.yaml. Re-printing a whole YAML document changes the spacing before
 * comments, the folding of long values and the indentation of lists, so a user's (or the seed's)
 * file would be rewritten on every learn-fix. Instead each change is spliced into the text at the
 * node's position: a value replaced, a key or a list item inserted. Everything else stays
 * byte-for-byte. Only a file written in flow style (`tool_fixes: [{...}]`) is re-printed whole.
 */
export class FixesEditor {
  /** The file as it was, parsed. */
  readonly learned: LearnedDocument;
  private readonly doc: Document.Parsed;
  private readonly lines: LineCounter;
  private readonly root: YAMLMap | null;
  private readonly seq: YAMLSeq | null;
  private output: string | null = null;
  private applied: Splice[] = [];
  /** Line (1-based) where the last appended entry starts; null when the file was re-printed. */
  appendedLine: number | null = null;
  /** Set by `set` and `append` when the text was spliced; null when re-printed (lines unknown). */
  change: FixChange | null = null;

  constructor(private readonly text: string, private readonly file: string) {
    this.learned = readLearnedDocument(text, file);
    this.doc = this.learned.doc;
    this.lines = this.learned.lineCounter;
    const error = this.doc.errors[0];
    if (error) this.refuse(`it is not valid YAML: ${error.message.split('\n')[0]}`, error.pos[0]);
    const contents = this.doc.contents;
    const empty = contents === null || (isScalar(contents) && contents.value === null);
    if (!empty && !isMap(contents)) this.refuse('its top level is not a mapping', contents?.range?.[0] ?? 0);
    this.root = empty ? null : (contents as YAMLMap);
    const list = this.root?.get('tool_fixes', true);
    const none = list === undefined || (isScalar(list) && list.value === null) || (isSeq(list) && list.items.length === 0);
    if (!none && !isSeq(list)) this.refuse('"tool_fixes" is not a list', (list as { range?: number[] }).range?.[0] ?? 0);
    this.seq = !none && isSeq(list) ? list : null;
  }

  /** Index of the entry for this tool whose pattern is the same pattern, or -1. */
  find(tool: string, samePattern: (other: string) => boolean): number {
    const items = this.seq?.items ?? [];
    return items.findIndex((item) => {
      if (!isMap(item)) return false;
      const pattern = textOf(scalarValue(item.get('error_pattern', true)));
      return textOf(scalarValue(item.get('tool_name', true))) === tool && pattern !== undefined && samePattern(pattern);
    });
  }

  /** The entry at `index` as plain data. */
  entry(index: number): Record<string, unknown> {
    return (this.seq!.items[index] as YAMLMap).toJS(this.doc) as Record<string, unknown>;
  }

  /** The line an entry starts on (1-based), for messages. */
  lineOf(index: number): number {
    return this.lines.linePos((this.seq!.items[index] as YAMLMap).range![0]).line;
  }

  /** Set keys of the entry at `index`: values replaced where they are, new keys added after the last. */
  set(index: number, values: Record<string, unknown>): void {
    const map = this.seq!.items[index] as YAMLMap;
    if (map.flow || this.seq!.flow) return this.reprint(() => Object.entries(values).forEach(([k, v]) => map.set(k, this.node(k, v))));
    const edits: Splice[] = [];
    const added: string[] = [];
    for (const [key, value] of Object.entries(values)) {
      const pair = map.items.find((p) => isScalar(p.key) && p.key.value === key) as Pair<{ range: number[] }, { range?: number[] } | null> | undefined;
      if (!pair) {
        added.push(`${key}: ${render(value)}`);
        continue;
      }
      const start = pair.key.range[1]!;
      const end = pair.value?.range?.[1] ?? this.text.indexOf(':', start) + 1;
      // A nested block value (remedy:) ends with its newline; keep it so the next key stays on its line.
      edits.push({ at: start, end, text: `: ${render(value)}${this.text[end - 1] === '\n' ? '\n' : ''}` });
    }
    if (added.length) {
      const indent = ' '.repeat(this.column(map.range![0]));
      edits.push({ at: this.lineEnd(map.range![1]), end: this.lineEnd(map.range![1]), text: added.map((l) => `${indent}${l}\n`).join('') });
    }
    this.splice(edits);
    const before = this.entry(index);
    this.change = {
      fix: { ...before, ...values }, line: this.newLine(this.lineOf(index)),
      replaces: { tool: textOf(before.tool_name) ?? '', pattern: textOf(before.error_pattern) ?? '' },
    };
  }

  /** Add an entry after the last one, indented like it; or start the list. */
  append(values: Record<string, unknown>): void {
    const pairs = Object.entries(values).map(([k, v]) => `${k}: ${render(v, k)}`);
    if (this.root?.flow || this.seq?.flow) return this.reprint(() => this.appendNode(values));
    if (!this.seq) return this.startList(values, pairs);
    const last = this.seq.items[this.seq.items.length - 1] as { range: number[] };
    const contentCol = this.column(last.range[0]!);
    const dash = this.text.lastIndexOf('-', last.range[0]!);
    const dashCol = this.column(dash);
    if (dash < 0 || this.text.slice(dash + 1, last.range[0]).trim() !== '' || dashCol >= contentCol) return this.reprint(() => this.appendNode(values));
    const first = `${' '.repeat(dashCol)}-${' '.repeat(contentCol - dashCol - 1)}${pairs[0]}\n`;
    const rest = pairs.slice(1).map((l) => `${' '.repeat(contentCol)}${l}\n`).join('');
    const at = this.lineEnd(last.range[1]!);
    this.splice([{ at, end: at, text: first + rest }]);
    this.appended(values, lineAt(this.output!, at));
  }

  /** The new text of the file. */
  result(): string {
    return this.output ?? this.text;
  }

  private startList(values: Record<string, unknown>, pairs: string[]): void {
    const block = `tool_fixes:\n  - ${pairs.join('\n    ')}\n`;
    const pair = this.root?.items.find((p) => isScalar(p.key) && p.key.value === 'tool_fixes') as Pair<{ range: number[] }, { range?: number[] } | null> | undefined;
    if (pair) {
      const start = pair.key.range[1]!;
      const end = pair.value?.range?.[1] ?? start + 1;
      const nl = this.text[end - 1] === '\n';
      this.splice([{ at: start, end, text: `:\n  - ${pairs.join('\n    ')}${nl ? '\n' : ''}` }]);
      return this.appended(values, lineAt(this.output!, start) + 1);
    }
    if (this.root && this.column(this.root.range![0]) !== 0) return this.reprint(() => this.appendNode(values));
    const sep = this.text === '' || this.text.endsWith('\n') ? '' : '\n';
    this.splice([{ at: this.text.length, end: this.text.length, text: `${sep}${block}` }]);
    this.appended(values, lineAt(this.output!, this.text.length + sep.length) + 1);
  }

  private appended(values: Record<string, unknown>, line: number): void {
    this.appendedLine = line;
    this.change = { fix: values, line, replaces: null };
  }

  /** Where a line of the old text (the start of an entry) is in the new text. */
  newLine(line: number): number {
    const offset = this.lines.lineStarts[line - 1] ?? this.text.length;
    let shift = 0;
    for (const e of this.applied) {
      if (e.end <= offset) shift += count(e.text) - count(this.text.slice(e.at, e.end));
    }
    return line + shift;
  }

  private appendNode(values: Record<string, unknown>): void {
    const item = this.node('', values);
    if (this.seq) this.seq.items.push(item);
    else this.doc.set('tool_fixes', this.doc.createNode([item]));
  }

  private node(key: string, value: unknown) {
    const n = this.doc.createNode(value);
    if (key === 'remedy' && isMap(n)) n.flow = true;
    return n;
  }

  private reprint(change: () => void): void {
    change();
    this.output = this.doc.toString({ lineWidth: 0 });
    this.change = null;
  }

  private splice(edits: Splice[]): void {
    this.applied = edits;
    let out = this.text;
    for (const e of [...edits].sort((a, b) => b.at - a.at)) out = out.slice(0, e.at) + e.text + out.slice(e.end);
    this.output = out;
  }

  /** Offset of the start of the line after the one holding offset-1 (end of a node). */
  private lineEnd(offset: number): number {
    if (offset > 0 && this.text[offset - 1] === '\n') return offset;
    const nl = this.text.indexOf('\n', offset);
    return nl < 0 ? this.text.length : nl + 1;
  }

  private column(offset: number): number {
    return this.lines.linePos(offset).col - 1;
  }

  /** A file aiw cannot understand is bad input (exit 2), not a failed write: nothing was attempted. */
  private refuse(why: string, offset: number): never {
    const pos = this.lines.linePos(offset);
    throw new AiwError('MEMORY_READ', `will not change ${this.file}: ${why}`, {
      location: { file: this.file, line: pos.line, col: pos.col },
      hint: 'aiw never overwrites a memory file it cannot read; fix it by hand (or move it away) and run the command again',
    });
  }
}

function count(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** 1-based line of `offset` in `text`. */
function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

function scalarValue(node: unknown): unknown {
  return isScalar(node) ? node.value : undefined;
}

// JSON.stringify-like output leaves these raw; YAML readers split lines on some of them.
const UNSAFE = /[\u007f-\u009f\u2028\u2029\ufeff]/g;

/**
 * One value on one line, like the seed's entries: names plain, texts double-quoted (a date stays a
 * string for YAML 1.1 readers too), mappings in flow style.
 */
function render(value: unknown, key = ''): string {
  const style = key === 'tool_name' ? 'PLAIN' : 'QUOTE_DOUBLE';
  // Never folded onto further lines: the value is placed into an indented entry afterwards, and a
  // multi-line root cause (a pasted log) folded at column 0 made the whole file invalid YAML.
  const text = stringify(value, { collectionStyle: 'flow', defaultStringType: style, defaultKeyType: 'PLAIN', lineWidth: 0, doubleQuotedMinMultiLineLength: Infinity }).trimEnd();
  return text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
