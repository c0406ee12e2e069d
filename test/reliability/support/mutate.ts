import type { Rng } from './prng.js';

/**
 * Mutations of a valid YAML file, each one a way real files go wrong: a flipped byte (a bad
 * paste, a bad disk), a line lost or doubled (a bad merge), an indentation slip (tabs, a missing
 * space), a stray YAML token (anchors, tags, flow brackets, document markers, template braces),
 * a value of the wrong type, and two hostile classics (deep nesting, an alias "billion laughs").
 */
export type MutationKind = 'byte' | 'delete-line' | 'duplicate-line' | 'indent' | 'token' | 'type-swap' | 'deep-nesting' | 'alias-bomb';

export const MUTATION_KINDS: readonly MutationKind[] = ['byte', 'byte', 'delete-line', 'duplicate-line', 'indent', 'indent', 'token', 'token', 'type-swap', 'type-swap', 'deep-nesting', 'alias-bomb'];

const TOKENS = [
  ': ', '- ', '? ', '{', '}', '[', ']', ',', '"', "'", '&a ', '*a', '*missing', '!!int ', '!!binary ', '!!map ', '!custom ', '|', '>-', '#',
  '%YAML 1.2\n---\n', '---\n', '\n...\n', '{{', '}}', '{%', '%}', '{{ inputs }}', '{% for x in y %}', 'null', '~', 'true', 'no', '1e999', '-0', '0x1F',
  '.inf', '.nan', '<<: *a', '\t', '\u0000', '\ufeff', '\r', '"\\u0000"', '\u2028', '💥', 'ž', '\\', '`', '$(', ';', '@', '%',
];

const VALUES = ['42', '-1', '3.5', '1e400', 'true', 'false', 'null', '~', '""', "''", '[]', '{}', '[1, 2]', '{a: 1}', '"text"', 'text', '|\n  block', '!!binary aGVsbG8=', '2026-01-01', '0o17'];

export interface Mutation {
  kind: MutationKind;
  text: string;
}

function lines(text: string): string[] {
  return text.split('\n');
}

/** Apply one seeded mutation to `text`. */
export function mutate(text: string, rng: Rng): Mutation {
  const kind = rng.pick(MUTATION_KINDS);
  const ls = lines(text);
  const at = rng.int(ls.length);
  switch (kind) {
    case 'byte': {
      const bytes = Buffer.from(text, 'utf8');
      const pos = rng.int(bytes.length);
      // Mostly printable ASCII (what an edit would produce), sometimes any byte at all.
      bytes[pos] = rng.next() < 0.7 ? 32 + rng.int(95) : rng.int(256);
      return { kind, text: bytes.toString('latin1') === text ? text : bytes.toString('utf8') };
    }
    case 'delete-line':
      ls.splice(at, 1);
      return { kind, text: ls.join('\n') };
    case 'duplicate-line':
      ls.splice(at, 0, ls[at] ?? '');
      return { kind, text: ls.join('\n') };
    case 'indent': {
      const line = ls[at] ?? '';
      const r = rng.int(4);
      ls[at] = r === 0 ? line.replace(/^ {1,4}/, '') : r === 1 ? `${' '.repeat(1 + rng.int(4))}${line}` : r === 2 ? `\t${line}` : line.replace(/^( *)/, '$1 ');
      return { kind, text: ls.join('\n') };
    }
    case 'token': {
      const pos = rng.int(text.length + 1);
      return { kind, text: text.slice(0, pos) + rng.pick(TOKENS) + text.slice(pos) };
    }
    case 'type-swap': {
      // Replace the value after a `key:` on a random line that has one.
      const candidates = ls.map((l, i) => (/^\s*-?\s*[\w-]+:\s*\S/.test(l) ? i : -1)).filter((i) => i >= 0);
      if (!candidates.length) return { kind, text };
      const i = rng.pick(candidates);
      ls[i] = ls[i]!.replace(/^(\s*-?\s*[\w-]+:\s*).*$/, `$1${rng.pick(VALUES)}`);
      return { kind, text: ls.join('\n') };
    }
    case 'deep-nesting': {
      const depth = 200 + rng.int(3000);
      ls.splice(at, 0, `deep: ${'['.repeat(depth)}${']'.repeat(rng.next() < 0.5 ? depth : 0)}`);
      return { kind, text: ls.join('\n') };
    }
    case 'alias-bomb': {
      const bomb = ['bomb0: &b0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
      for (let i = 1; i < 10; i++) bomb.push(`bomb${i}: &b${i} [${Array(9).fill(`*b${i - 1}`).join(', ')}]`);
      ls.splice(rng.next() < 0.5 ? 0 : ls.length, 0, ...bomb);
      return { kind, text: ls.join('\n') };
    }
  }
}
