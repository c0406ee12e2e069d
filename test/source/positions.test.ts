import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { describe, expect, it } from 'vitest';
import { codeLine, locate, parseYamlSource, sourceFromParts, type JsonPath } from '../../src/source/yaml-source.js';

/**
 * locate() as it was before the position tree: a walk of the yaml Document. The tree must give the
 * very same line:col for every path, existing or not, so a cache hit reports exactly what a parse did.
 */
function locateInDocument(text: string, path: JsonPath, key: boolean): { line: number; col: number } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  let node: unknown = doc.contents;
  let best: Node | null = (node as Node) ?? null;
  for (const segment of path) {
    let next: Node | null = null;
    if (isMap(node)) {
      for (const pair of node.items) {
        if (isPair(pair) && isScalar(pair.key) && String(pair.key.value) === String(segment)) {
          next = key && segment === path[path.length - 1] ? pair.key : ((pair.value as Node | null) ?? pair.key);
          break;
        }
      }
    } else if (isSeq(node) && typeof segment === 'number') next = (node.items[segment] as Node | undefined) ?? null;
    if (!next) break;
    node = next;
    best = next;
  }
  return lineCounter.linePos(best?.range?.[0] ?? 0);
}

/** Every path into `value`, plus paths that go one step too far or name what is not there. */
function pathsOf(value: unknown, base: JsonPath = []): JsonPath[] {
  const out: JsonPath[] = [base, [...base, 'missing'], [...base, 99]];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...pathsOf(v, [...base, i]), [...base, String(i)]));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(...pathsOf(v, [...base, k]));
  return out;
}

const documents: Record<string, string> = {
  skill: `name: s
description: >
  folded text
steps:
  - name: a
    compute: |
      const x = 1;
      return x;
  - name: b
    tool: t
    args: { x: "{{ inputs.n }}", y: [1, 2, {z: 3}] }
    then:
      - return: "{{ b }}"
outputs:
  - name: o
    compute: "return 1"
`,
  'nulls and odd keys': `empty:
~: tilde key
1: numeric key
"1": quoted numeric key
constructor: c
__proto__: p
toString: { a: 1 }
list:
  -
  - - nested
  - [flow, {in: seq}, key: pair]
`,
  'anchors and aliases': 'base: &b { x: 1, y: [a, b] }\nuse: *b\nmore: [*b, *b]\n',
  'comments only': '# nothing here\n',
  empty: '',
  'windows line ends': 'a: 1\r\nb:\r\n  c: 2\r\n  d: |\r\n    code\r\n',
  'a scalar document': 'just text\n',
};

describe('the position tree', () => {
  for (const [name, text] of Object.entries(documents)) {
    it(`locates every path of "${name}" exactly where the Document walk does, keys too`, async () => {
      const { source, problems } = await parseYamlSource('f.yaml', text);
      expect(problems).toEqual([]);
      // Round-tripped through JSON, as the parse cache stores it.
      const cached = sourceFromParts('f.yaml', text, { value: source.value, positions: JSON.parse(JSON.stringify(source.positions)) });
      const paths = pathsOf(source.value);
      expect(paths.length).toBeGreaterThan(2);
      for (const path of paths) {
        for (const key of [false, true]) {
          const expected = locateInDocument(text, path, key);
          expect({ path, key, at: locate(source, path, { key }) }).toEqual({ path, key, at: expected });
          expect({ path, key, at: locate(cached, path, { key }) }).toEqual({ path, key, at: expected });
        }
      }
    });
  }

  it('says where the code of a block scalar starts: the line after its | or >', async () => {
    const { source } = await parseYamlSource('f.yaml', documents.skill!);
    expect(codeLine(source, ['steps', 0, 'compute'])).toBe(7);
    expect(codeLine(source, ['outputs', 0, 'compute'])).toBe(16);
    expect(codeLine(source, ['description'])).toBe(3);
    // A path that does not exist is its nearest ancestor's line, never "the next line".
    expect(codeLine(source, ['steps', 0, 'compute', 'deeper'])).toBe(6);
  });

  it('a source from cached parts locates without a Document, and still gives the Document of its text when asked', async () => {
    const { source } = await parseYamlSource('f.yaml', documents.skill!);
    const cached = sourceFromParts('f.yaml', documents.skill!, { value: source.value, positions: source.positions });
    expect(locate(cached, ['steps', 1, 'args', 'y', 2, 'z'])).toEqual({ line: 11, col: 48 });
    // Asked for, the Document is the text's, with the same positions.
    const { doc, lineCounter } = await cached.document();
    expect(doc.toJS()).toEqual(source.value);
    expect(lineCounter.linePos(0)).toEqual({ line: 1, col: 1 });
  });
});
