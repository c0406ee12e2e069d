import { readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { folderStore } from '../../src/files/cache-store.js';
import { contentHash } from '../../src/model/content-hash.js';
import type { CacheStore } from '../../src/model/cache-store.js';
import { checkSchema } from '../../src/source/check-schema.js';
import { parseYamlBytes, readYamlSource } from '../../src/source/parse-cache.js';
import { locate, type JsonPath, type YamlSource } from '../../src/source/yaml-source.js';
import { tempRoot } from '../helpers/temp-root.js';

/** A real folder store that counts what goes through it. */
function countingStore(dir: string): CacheStore & { reads: number; writes: number; entries(): string[] } {
  const inner = folderStore(dir);
  const store = {
    reads: 0,
    writes: 0,
    read(name: string) {
      store.reads++;
      return inner.read(name);
    },
    readBytes: (name: string) => inner.readBytes(name),
    write(name: string, text: string | Uint8Array) {
      store.writes++;
      inner.write(name, text);
    },
    entries: () => readdirSync(dir).sort(),
  };
  return store;
}

function cacheFolder(): { dir: string; store: ReturnType<typeof countingStore> } {
  const root = tempRoot();
  const dir = root.path('cache');
  root.write('cache/.keep', '');
  return { dir, store: countingStore(dir) };
}

const SKILL = `name: s
description: a skill
inputs:
  - { name: n, type: integer, default: 1 }
steps:
  - name: a
    compute: |
      return inputs.n + 1;
  - name: b
    tool: t
    args: { x: "{{ a }}", list: [1, 2] }
`;

function pathsOf(value: unknown, base: JsonPath = []): JsonPath[] {
  const out: JsonPath[] = [base, [...base, 'nope']];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...pathsOf(v, [...base, i])));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(...pathsOf(v, [...base, k]));
  return out;
}

function positions(source: YamlSource): unknown[] {
  return pathsOf(source.value).flatMap((p) => [locate(source, p), locate(source, p, { key: true })]);
}

describe('the parse cache', () => {
  it('serves a hit with the value, every position and the schema verdict a parse gives', async () => {
    const { store } = cacheFolder();
    const bytes = Buffer.from(SKILL);
    const plain = await parseYamlBytes('skills/s.yaml', bytes);
    const miss = await parseYamlBytes('skills/s.yaml', bytes, store);
    expect(await checkSchema('skill', miss.source)).toEqual([]);
    expect(store.writes).toBe(2); // the entry, then the same entry with the schema verdict
    const hit = await parseYamlBytes('skills/s.yaml', bytes, store);
    expect(store.writes).toBe(2);
    expect(hit.problems).toEqual([]);
    expect(hit.source.value).toStrictEqual(plain.source.value);
    expect(hit.source.text).toBe(SKILL);
    expect(positions(hit.source)).toEqual(positions(plain.source));
    expect(hit.source.schemaValid.has('skill')).toBe(true);
    expect(await checkSchema('skill', hit.source)).toEqual([]);
    // The Document, when something asks for it, is the text's.
    expect((await hit.source.document()).doc.toJS()).toEqual(plain.source.value);
  });

  it('keeps the value as parsed, whatever a caller does to its copy before the schema verdict is written', async () => {
    const { store } = cacheFolder();
    const bytes = Buffer.from(SKILL);
    for (let i = 0; i < 2; i++) {
      const { source } = await parseYamlBytes('s.yaml', bytes, store);
      (source.value as { steps: unknown[] }).steps.push({ name: 'added' });
      (source.value as { name: string }).name = 'changed';
      await checkSchema('skill', source);
    }
    const hit = await parseYamlBytes('s.yaml', bytes, store);
    expect(hit.source.value).toStrictEqual((await parseYamlBytes('s.yaml', bytes)).source.value);
    expect(hit.source.schemaValid.has('skill')).toBe(true);
  });

  it('reports a schema problem found after a hit at the same file:line:col as without the cache', async () => {
    const { store } = cacheFolder();
    const bytes = Buffer.from('name: s\nsteps:\n  - name: a\n    comand: x\n    retry: { attempts: many }\n');
    const expected = await checkSchema('skill', (await parseYamlBytes('skills/s.yaml', bytes)).source);
    expect(expected.length).toBeGreaterThan(1);
    await parseYamlBytes('skills/s.yaml', bytes, store);
    const hit = await parseYamlBytes('skills/s.yaml', bytes, store);
    expect(store.reads).toBe(2);
    expect(store.writes).toBe(1);
    expect(await checkSchema('skill', hit.source)).toEqual(expected);
    // Still no verdict: the next hit checks again and finds the same.
    expect(await checkSchema('skill', (await parseYamlBytes('skills/s.yaml', bytes, store)).source)).toEqual(expected);
  });

  it('never serves an edited file stale, even at the same size and mtime', async () => {
    const { store } = cacheFolder();
    const root = tempRoot();
    const file = root.write('skills/s.yaml', 'name: s\nsteps: [{ name: a, compute: "return 1" }]\n');
    utimesSync(file, 1_700_000_000, 1_700_000_000);
    const before = statSync(file);
    expect(((await readYamlSource(file, store)).source.value as { steps: unknown[] }).steps).toEqual([{ name: 'a', compute: 'return 1' }]);
    writeFileSync(file, 'name: s\nsteps: [{ name: a, compute: "return 2" }]\n');
    utimesSync(file, 1_700_000_000, 1_700_000_000);
    expect(statSync(file).size).toBe(before.size);
    expect(statSync(file).mtimeMs).toBe(before.mtimeMs);
    expect(((await readYamlSource(file, store)).source.value as { steps: unknown[] }).steps).toEqual([{ name: 'a', compute: 'return 2' }]);
  });

  it('ignores a damaged entry (cut short, garbage, or not matching its digest) and writes a good one over it', async () => {
    const { dir, store } = cacheFolder();
    const bytes = Buffer.from(SKILL);
    const plain = (await parseYamlBytes('s.yaml', bytes)).source;
    await parseYamlBytes('s.yaml', bytes, store);
    const [name] = store.entries().filter((n) => n.endsWith('.json'));
    const good = readFileSync(`${dir}/${name}`, 'utf8');
    const damaged = [good.slice(0, good.length / 2), 'not json at all', '', good.replace('"a skill"', '"b skill"'), `${'0'.repeat(16)}\n{"format":2}`];
    for (const text of damaged) {
      writeFileSync(`${dir}/${name}`, text);
      const again = await parseYamlBytes('s.yaml', bytes, store);
      expect(again.problems).toEqual([]);
      expect(again.source.value).toStrictEqual(plain.value);
      expect(positions(again.source)).toEqual(positions(plain));
      expect(readFileSync(`${dir}/${name}`, 'utf8')).toBe(good);
    }
  });

  it('treats an entry made from another text as a miss, so a collision of names can never serve the wrong file', async () => {
    const { dir, store } = cacheFolder();
    const other = 'name: other\nsteps: [{ name: x, compute: "return 9" }]\n';
    await parseYamlBytes('o.yaml', Buffer.from(other), store);
    const [otherName] = store.entries().filter((n) => n.endsWith('.json'));
    const sealedOther = readFileSync(`${dir}/${otherName}`, 'utf8');
    // A well-formed entry of the other file, placed under this file's name, as a hash collision would.
    const mine = 'name: mine\nsteps: [{ name: a, compute: "return 1" }]\n';
    await parseYamlBytes('m.yaml', Buffer.from(mine), store);
    const myName = store.entries().filter((n) => n.endsWith('.json')).find((n) => n !== otherName)!;
    writeFileSync(`${dir}/${myName}`, sealedOther);
    const again = await parseYamlBytes('m.yaml', Buffer.from(mine), store);
    expect((again.source.value as { name: string }).name).toBe('mine');
    expect(contentHash(mine)).not.toBe(contentHash(other));
  });

  it('never caches a file with YAML problems: each read reports them again, at file:line:col', async () => {
    const { store } = cacheFolder();
    for (const text of ['name: s\nsteps: [\n', 'a: 1\na: 2\n', 'a: *nowhere\n']) {
      const first = await parseYamlBytes('bad.yaml', Buffer.from(text), store);
      expect(first.problems.length).toBeGreaterThan(0);
      expect(first.problems[0]).toMatchObject({ file: 'bad.yaml', code: 'YAML_SYNTAX', line: expect.any(Number), col: expect.any(Number) });
      expect((await parseYamlBytes('bad.yaml', Buffer.from(text), store)).problems).toEqual(first.problems);
    }
    expect(store.writes).toBe(0);
    expect(store.entries()).toEqual(['.keep']);
  });

  it('parses every time what JSON cannot carry (NaN, infinities, -0, !!set) rather than change it', async () => {
    const { store } = cacheFolder();
    const text = 'a: .nan\nb: -.inf\nc: -0\nd: !!set { x }\n';
    for (let i = 0; i < 2; i++) {
      const value = (await parseYamlBytes('v.yaml', Buffer.from(text), store)).source.value as Record<string, unknown>;
      expect(value.a).toBeNaN();
      expect(value.b).toBe(-Infinity);
      expect(Object.is(value.c, -0)).toBe(true);
      expect(value.d).toBeInstanceOf(Set);
    }
    expect(store.writes).toBe(0);
  });

  it('shares one entry between files of the same bytes, each source and problem naming its own file', async () => {
    const { store } = cacheFolder();
    const bytes = Buffer.from('name: s\nsteps:\n  - name: a\n    comand: x\n');
    const one = await parseYamlBytes('one.yaml', bytes, store);
    const two = await parseYamlBytes('two.yaml', bytes, store);
    expect(store.entries().filter((n) => n.endsWith('.json'))).toHaveLength(1);
    expect(two.source.file).toBe('two.yaml');
    expect((await checkSchema('skill', two.source)).map((p) => p.file)).toEqual((await checkSchema('skill', one.source)).map(() => 'two.yaml'));
  });
});
