/**
 * A conservative check that a user's regular expression cannot backtrack catastrophically (the
 * parser it needs is in regex-parse.ts). Libraries were weighed: safe-regex2 (star height only) misses
 * `(a|aa)+` yet refuses the common `(?:\d{1,3}\.){3}`; redos-detector refuses `[a-z]+[0-9]+` and
 * spends ~0.5 s per pattern; recheck needs a 9 MB native binary or a JVM behind a worker thread.
 * This checker asks one question per loop instead: can the body split the same text in two ways?
 * It errs towards refusing, and every refusal quotes the fragment so the user can rewrite it.
 */
import { ALL, type CharSet, type RegexNode } from './regex-parse.js';

export { parseRegex, type RegexNode } from './regex-parse.js';

interface Shape { min: number; max: number; first: CharSet; last: CharSet; all: CharSet }
const shapes = new WeakMap<RegexNode, Shape>();

/** Lengths a node can match, the characters it can start and end with, and every character it can take. */
function shape(node: RegexNode): Shape {
  const cached = shapes.get(node);
  if (cached) return cached;
  let s: Shape = { min: 0, max: 0, first: 0n, last: 0n, all: 0n };
  if (node.type === 'char') s = { min: 1, max: 1, first: node.set, last: node.set, all: node.set };
  else if (node.type === 'backref') s = { min: 0, max: Infinity, first: ALL, last: ALL, all: ALL };
  else if (node.type === 'group' && !node.look) s = shape(node.body);
  else if (node.type === 'repeat') {
    const b = shape(node.body);
    const max = node.max === 0 || b.max === 0 ? 0 : b.max * node.max;
    s = { min: b.min * node.min, max, first: max ? b.first : 0n, last: max ? b.last : 0n, all: b.all };
  } else if (node.type === 'alt') {
    const parts = node.branches.map(shape);
    s = { ...s, min: Math.min(...parts.map((p) => p.min)), max: Math.max(...parts.map((p) => p.max)) };
    for (const p of parts) [s.first, s.last, s.all] = [s.first | p.first, s.last | p.last, s.all | p.all];
  } else if (node.type === 'seq') {
    for (const p of node.items.map(shape)) {
      // s.min === 0: every item so far can match nothing, so this one can start the sequence
      s = {
        min: s.min + p.min, max: s.max + p.max, first: s.min === 0 ? s.first | p.first : s.first,
        last: p.min === 0 ? s.last | p.last : p.last, all: s.all | p.all,
      };
    }
  }
  shapes.set(node, s);
  return s;
}

const children = (n: RegexNode): RegexNode[] =>
  n.type === 'seq' ? n.items : n.type === 'alt' ? n.branches : n.type === 'group' || n.type === 'repeat' ? [n.body] : [];

/** True when the pattern has no anchor or lookaround and can match nothing: it would match every text. */
export function alwaysMatches(node: RegexNode): boolean {
  const zeroWidth = (n: RegexNode): boolean =>
    n.type === 'assert' || n.type === 'backref' || (n.type === 'group' && n.look) || children(n).some(zeroWidth);
  return shape(node).min === 0 && !zeroWidth(node);
}

export interface BacktrackingHazard {
  /** `exponential`: an unbounded loop whose body splits one text many ways; `polynomial`: n^3 or worse. */
  kind: 'exponential' | 'polynomial';
  /** The offending part of the pattern, quoted back to the user. */
  fragment: string;
  reason: string;
}

// A bounded loop over a part that can split text several ways costs (ways)^max per start position.
const BOUNDED_LOOP_LIMIT = 5;
// Two unbounded loops in a row that can trade characters (`a.*b.*c`) cost n^2 per start position: n^3.
const CHAIN_LIMIT = 2;

/** Whether two alternatives can start matching the same text; exact for fixed runs of single characters. */
function branchesOverlap(a: RegexNode, b: RegexNode): boolean {
  const [sa, sb] = [shape(a), shape(b)];
  if (sa.min === 0 || sb.min === 0) return true;
  const letters = (n: RegexNode): CharSet[] | null =>
    n.type === 'char' ? [n.set] : n.type === 'seq' && n.items.every((i) => i.type === 'char') ? n.items.map((i) => shape(i).first) : null;
  const [la, lb] = [letters(a), letters(b)];
  if (!la || !lb) return (sa.first & sb.first) !== 0n;
  return la.slice(0, lb.length).every((set, i) => (set & lb[i]!) !== 0n);
}

/**
 * How the regex can backtrack catastrophically, or null. A loop around a part that can split one text
 * in several ways: a variable-length part that cannot tell from the next character whether to stop
 * (`(a+)+`, `(\w+\s?)*`, `(.*a){2}`) or alternatives that match the same text (`(a|aa)+`). Unbounded,
 * that is exponential; bounded, a power of the text length. Also two unbounded loops in a row that
 * can trade characters (`a.*b.*c`): with the search over every start position, n^3.
 */
export function findBacktrackingHazard(node: RegexNode, source: string): BacktrackingHazard | null {
  const quote = (n: { start: number; end: number }): string => source.slice(n.start, n.end);
  let found: BacktrackingHazard | null = null;
  type Loop = RegexNode & { type: 'repeat' };
  const report = (loops: readonly Loop[], inner: RegexNode, what: string, unbounded: boolean): void => {
    const loop = loops.find((l) => l.max === Infinity) ?? (unbounded ? loops.at(-1) : loops.find((l) => l.max >= BOUNDED_LOOP_LIMIT));
    if (!loop) return;
    const kind = loop.max === Infinity ? 'exponential' : 'polynomial';
    found ??= { kind, fragment: quote(loop), reason: `${what} "${quote(inner)}" inside the repeated "${quote(loop)}"` };
  };

  // `follow`: what can come next without leaving the enclosing loops (those that repeat 2+ times).
  function walk(n: RegexNode, follow: CharSet, loops: readonly Loop[]): void {
    if (n.type === 'seq') {
      for (let i = n.items.length - 1, f = follow; i >= 0; i--) {
        walk(n.items[i]!, f, loops);
        const s = shape(n.items[i]!);
        f = s.min === 0 ? s.first | f : s.first;
      }
    } else if (n.type === 'alt') {
      n.branches.forEach((a, i) => {
        if (n.branches.slice(i + 1).some((b) => branchesOverlap(a, b))) report(loops, n, 'alternatives that match the same text', false);
        walk(a, follow, loops);
      });
    } else if (n.type === 'group') {
      walk(n.body, n.look ? 0n : follow, n.look ? [] : loops);
    } else if (n.type === 'repeat') {
      const body = shape(n.body);
      if (n.min < n.max && body.max > 0 && (body.first & follow) !== 0n) report(loops, n, 'nested quantifier', n.max === Infinity);
      walk(n.body, n.max >= 2 ? body.first | follow : follow, n.max >= 2 ? [...loops, n] : loops);
    }
  }
  walk(node, 0n, []);
  return found ?? findChain(node, quote);
}

/** Unbounded loops in one sequence, each able to take characters the previous one can take. */
function findChain(node: RegexNode, quote: (n: { start: number; end: number }) => string): BacktrackingHazard | null {
  const flatten = (n: RegexNode): RegexNode[] =>
    n.type === 'seq' ? n.items.flatMap(flatten) : n.type === 'group' && !n.look ? flatten(n.body) : [n];
  const pending = [node];
  while (pending.length) {
    const n = pending.pop()!;
    pending.push(...children(n)); // finite: each node is visited once
    let length = 0;
    let [absorbAll, absorbLast] = [0n, 0n]; // what the loops of the chain can take, and end with
    let first: RegexNode = n;
    for (const item of flatten(n)) {
      const s = shape(item);
      if (item.type === 'repeat' && item.max === Infinity && s.max > s.min) {
        const trades = length > 0 && (s.first & absorbLast) !== 0n;
        // A loop that cannot take over the end of the previous one ends the chain, unless it can match nothing.
        if (!trades && (length === 0 || s.min > 0)) [length, first, absorbAll, absorbLast] = [1, item, s.all, s.last];
        else if (trades) [length, absorbAll, absorbLast] = [length + 1, s.all, s.last];
        else [absorbAll, absorbLast] = [absorbAll | s.all, absorbLast | s.last];
        if (length < CHAIN_LIMIT) continue;
        const fragment = quote({ start: first.start, end: item.end });
        return { kind: 'polynomial', fragment, reason: `unbounded quantifiers in a row that can take the same characters, "${fragment}"` };
      }
      if (s.min > 0 && (s.all & absorbAll) === 0n) length = 0; // a character the loop cannot take: no trading across it
    }
  }
  return null;
}
