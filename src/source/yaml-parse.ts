import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document } from 'yaml';
import type { Problem } from '../errors/errors.js';
import type { PosEntry, PosNode } from './positions.js';

/**
 * Everything that needs the yaml library at run time, in one module that yaml-source.ts imports only
 * when a file has to be parsed: a run whose files all come from the parse cache never loads yaml.
 */
export interface Parsed {
  doc: Document.Parsed;
  lineCounter: LineCounter;
  value: unknown;
  positions: PosNode;
  problems: Problem[];
}

/** The text's Document, value and position tree; syntax problems with `file:line:col`, all at once. */
export function parseText(file: string, text: string): Parsed {
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
  return { doc, lineCounter, value, positions: positionTree(doc, lineCounter), problems };
}

/** The position tree of `doc`, the root being its contents (or offset 0 when it has none). */
export function positionTree(doc: Document.Parsed, lines: LineCounter): PosNode {
  const at = (node: unknown): [number, number] => {
    const p = lines.linePos((node as { range?: [number, number, number] } | null)?.range?.[0] ?? 0);
    return [p.line, p.col];
  };
  const tree = (node: unknown): PosNode => {
    const [line, col] = at(node);
    if (isMap(node)) {
      // A null-prototype object: a key such as `constructor` or `__proto__` is only ever its own entry.
      const kids: Record<string, PosEntry> = Object.create(null) as Record<string, PosEntry>;
      for (const pair of node.items) {
        if (!isPair(pair) || !isScalar(pair.key)) continue;
        const key = String(pair.key.value);
        if (Object.hasOwn(kids, key)) continue;
        const [kl, kc] = at(pair.key);
        kids[key] = [kl, kc, pair.value ? tree(pair.value) : null];
      }
      return [line, col, kids];
    }
    if (isSeq(node)) return [line, col, node.items.map(tree)];
    if (isScalar(node) && (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED')) return [line, col, 1];
    return [line, col];
  };
  return tree(doc.contents);
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

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
