/**
 * Where every node of a YAML document starts, as plain JSON: what `locate()` needs to name a
 * `line:col`, without the yaml Document (whose parse is most of what loading a file costs). Built once
 * from the Document when a file is parsed (yaml-parse.ts), kept in the parse cache beside the value.
 *
 * A node is `[line, col]` (a scalar, alias or anything else without children), `[line, col, 1]` (a
 * block scalar `|` / `>`: its text starts on the next line), `[line, col, {key: entry}]` (a map) or
 * `[line, col, [node, ...]]` (a sequence). A map entry is `[keyLine, keyCol, node | null]`, null when
 * the pair has no value node. Keys are the scalar keys' `String(value)`, the first one winning, as
 * the Document walk in `locate()` finds them.
 */
export type PosNode = [number, number] | [number, number, 1] | [number, number, Record<string, PosEntry>] | [number, number, PosNode[]];
export type PosEntry = [number, number, PosNode | null];

/**
 * The position `locate()` gives for `path`: the node's, else its nearest existing ancestor's; with
 * `key` the last segment's mapping key. `block` says whether the node found is a block scalar.
 */
export function findPosition(root: PosNode, path: ReadonlyArray<string | number>, key: boolean): { line: number; col: number; block: boolean } {
  let node: PosNode = root;
  let found = true;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i]!;
    const kids = node[2];
    let next: PosNode | null = null;
    if (Array.isArray(kids)) {
      if (typeof segment === 'number') next = kids[segment] ?? null;
    } else if (kids !== undefined && kids !== 1) {
      const name = String(segment);
      const entry = Object.hasOwn(kids, name) ? kids[name]! : undefined;
      // A wanted key, or a pair without a value: the key's own position, with nothing below it.
      if (entry) next = (key && i === path.length - 1) || entry[2] === null ? [entry[0], entry[1]] : entry[2];
    }
    if (!next) {
      found = false;
      break;
    }
    node = next;
  }
  return { line: node[0], col: node[1], block: found && node[2] === 1 };
}
