/**
 * A small parser for JavaScript regular expressions, enough to reason about backtracking: which
 * characters each part can match and how parts repeat. Used by safe-regex.ts.
 */
/** Characters as bits: one per ASCII code point, then "non-ASCII space", "other non-ASCII", "every \s". */
export type CharSet = bigint;
const NON_ASCII_SPACE = 1n << 128n;
const NON_ASCII_OTHER = 1n << 129n;
const EVERY_SPACE = 1n << 130n; // only \s sets it, so that \S can leave out every non-ASCII space
export const ALL: CharSet = (1n << 131n) - 1n;
const ASCII: CharSet = (1n << 128n) - 1n;

function chars(from: number, to = from): CharSet {
  let set = to > 127 ? NON_ASCII_SPACE | NON_ASCII_OTHER : 0n;
  if (from > 127 && from === to) set = /\s/u.test(String.fromCodePoint(from)) ? NON_ASCII_SPACE : NON_ASCII_OTHER;
  for (let c = from; c <= Math.min(to, 127); c++) set |= 1n << BigInt(c);
  return set;
}
const DIGIT = chars(48, 57);
const WORD = DIGIT | chars(65, 90) | chars(97, 122) | chars(95);
const SPACE = chars(9, 13) | chars(32) | NON_ASCII_SPACE | EVERY_SPACE;
const DOT = ALL & ~(chars(10) | chars(13));
const LETTERS = chars(65, 90) | chars(97, 122);
const KELVIN_LONG_S = chars(75) | chars(83);
// Each ASCII letter with its other case: what `i` folds together (made on the first `i` regex).
let casePairs: CharSet[] | undefined;
const caseFoldPairs = (): CharSet[] => Array.from({ length: 26 }, (_, i) => chars(65 + i) | chars(97 + i));
// A negated set keeps "other non-ASCII" ([^é] still matches ü) and the non-ASCII spaces unless it negated \s.
const not = (set: CharSet): CharSet => (ASCII & ~set) | NON_ASCII_OTHER | (set & EVERY_SPACE ? 0n : NON_ASCII_SPACE);

export type RegexNode =
  | { type: 'char'; set: CharSet; literal?: string; start: number; end: number }
  | { type: 'seq'; items: RegexNode[]; start: number; end: number }
  | { type: 'alt'; branches: RegexNode[]; start: number; end: number }
  | { type: 'group'; body: RegexNode; look: boolean; start: number; end: number }
  | { type: 'repeat'; body: RegexNode; min: number; max: number; start: number; end: number }
  | { type: 'assert'; start: number; end: number }
  | { type: 'backref'; start: number; end: number };
type Atom = { set: CharSet; literal?: string };

/**
 * Parse a regex source that `new RegExp(source, flags)` has already accepted (flags without `v`).
 * Offsets are kept so a refusal can quote the offending fragment.
 */
export function parseRegex(source: string, flags: string): RegexNode {
  const unicode = flags.includes('u');
  let pos = 0;
  const peek = (): string => source[pos] ?? '';
  // Never backwards, so the parse always ends.
  const skipPast = (close: string): number => (pos = source.includes(close, pos) ? source.indexOf(close, pos) + 1 : source.length);
  const fold = flags.includes('i');
  const foldCase = (set: CharSet): CharSet => {
    if (!fold || (set & LETTERS) === 0n) return set;
    for (const pair of (casePairs ??= caseFoldPairs())) if (set & pair) set |= pair;
    // With `iu`, K and S also match the Kelvin sign and the long s.
    return unicode && set & KELVIN_LONG_S ? set | NON_ASCII_OTHER : set;
  };
  const literal = (ch: string): Atom => ({ set: chars(ch.codePointAt(0)!), literal: ch });
  const readChar = (): string => {
    const ch = unicode ? String.fromCodePoint(source.codePointAt(pos)!) : source[pos]!;
    pos += ch.length;
    return ch;
  };
  const hex = (digits: RegExp, width: number): Atom | null => {
    const m = digits.exec(source.slice(pos));
    if (!m) return null;
    pos += width < 0 ? m[0].length : width;
    return literal(String.fromCodePoint(parseInt(m[1] ?? m[0], 16)));
  };
  const CONTROL: Record<string, string> = { t: '\t', n: '\n', r: '\r', v: '\v', f: '\f' };
  const CLASSES: Record<string, CharSet> = { d: DIGIT, D: not(DIGIT), w: WORD, W: not(WORD), s: SPACE, S: not(SPACE) };

  /** What follows a backslash: a set, or 'assert' for \b \B, or 'backref' for \1 and \k<name>. */
  function escape(inClass: boolean): Atom | 'assert' | 'backref' {
    const c = source[pos++] ?? '';
    if (CLASSES[c] !== undefined) return { set: CLASSES[c] };
    if (CONTROL[c]) return literal(CONTROL[c]);
    if (c === 'b') return inClass ? literal('\b') : 'assert';
    if (c === 'B' && !inClass) return 'assert';
    if (c === 'x') return hex(/^[0-9a-fA-F]{2}/, 2) ?? literal('x');
    if (c === 'u') return (unicode ? hex(/^\{([0-9a-fA-F]+)\}/, -1) : null) ?? hex(/^[0-9a-fA-F]{4}/, 4) ?? literal('u');
    if (c === 'c') return /[a-zA-Z]/.test(peek()) ? (pos++, { set: chars(0, 31) }) : { set: ASCII };
    if ((c === 'p' || c === 'P') && unicode) return skipPast('}'), { set: ALL };
    if (c === 'k' && peek() === '<' && !inClass && source.includes('>', pos)) return skipPast('>'), 'backref';
    if (/[1-9]/.test(c) && !inClass) {
      while (/[0-9]/.test(peek())) pos++;
      return 'backref';
    }
    if (/[0-9]/.test(c)) return { set: ASCII }; // \0 and octal escapes outside u mode
    pos--;
    return literal(readChar());
  }

  function classAtom(): Atom {
    if (peek() !== '\\') return literal(readChar());
    pos++;
    const e = escape(true);
    return typeof e === 'string' ? { set: ALL } : e;
  }

  function charClass(start: number): RegexNode {
    const negate = peek() === '^';
    if (negate) pos++;
    let set = 0n;
    while (pos < source.length && peek() !== ']') {
      const from = classAtom();
      if (peek() !== '-' || source[pos + 1] === ']' || from.literal === undefined) {
        set |= from.set;
        continue;
      }
      pos++;
      const to = classAtom();
      set |= to.literal === undefined ? from.set | to.set | chars(45) : chars(from.literal.codePointAt(0)!, to.literal.codePointAt(0)!);
    }
    pos++; // the closing ]
    return { type: 'char', set: foldCase(negate ? not(set) : set), start, end: pos };
  }

  function atom(): RegexNode {
    const start = pos;
    const c = peek();
    if (c === '(') {
      pos++;
      const look = /^\?<?[=!]/.test(source.slice(pos, pos + 3));
      if (look) pos += source[pos + 1] === '<' ? 3 : 2;
      else if (source.startsWith('?:', pos)) pos += 2;
      else if (source.startsWith('?<', pos)) skipPast('>');
      const body = alternation();
      pos++; // the closing )
      return { type: 'group', body, look, start, end: pos };
    }
    if (c === '[') return pos++, charClass(start);
    if (c === '.') return pos++, { type: 'char', set: flags.includes('s') ? ALL : DOT, start, end: pos };
    if (c === '^' || c === '$') return pos++, { type: 'assert', start, end: pos };
    const a = c === '\\' ? (pos++, escape(false)) : literal(readChar());
    if (typeof a === 'string') return { type: a, start, end: pos };
    return { type: 'char', set: foldCase(a.set), literal: a.literal, start, end: pos };
  }

  function quantified(item: RegexNode): RegexNode {
    const c = peek();
    const braces = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(pos));
    let bounds: [number, number];
    if (c === '*' || c === '+' || c === '?') bounds = c === '*' ? [0, Infinity] : c === '+' ? [1, Infinity] : [0, 1];
    else if (c === '{' && braces) bounds = [Number(braces[1]), braces[2] === undefined ? Number(braces[1]) : braces[3] ? Number(braces[3]) : Infinity];
    else return item;
    pos += braces && c === '{' ? braces[0].length : 1;
    if (peek() === '?') pos++; // lazy: the same ways to match, tried in another order
    return { type: 'repeat', body: item, min: bounds[0], max: bounds[1], start: item.start, end: pos };
  }

  function sequence(): RegexNode {
    const start = pos;
    const items: RegexNode[] = [];
    while (pos < source.length && peek() !== '|' && peek() !== ')') items.push(quantified(atom()));
    return items.length === 1 ? items[0]! : { type: 'seq', items, start, end: pos };
  }

  function alternation(): RegexNode {
    const start = pos;
    const branches = [sequence()];
    while (peek() === '|') branches.push((pos++, sequence()));
    return branches.length === 1 ? branches[0]! : { type: 'alt', branches, start, end: pos };
  }

  return alternation();
}
