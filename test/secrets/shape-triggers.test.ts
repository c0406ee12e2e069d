import randexp from 'randexp';
import { describe, expect, it } from 'vitest';
import { addSecrets, redact } from '../../src/secrets/redact.js';
import { MASK, SHAPES } from '../../src/secrets/secret-shapes.js';
import { GATED, mayMatch, viaIncludes, viaRegex } from '../../src/secrets/shape-triggers.js';
import { ALL_SAMPLES, MORE_SHAPES, NEAR_MISSES } from './shape-samples.js';

/**
 * The triggers decide which shapes run: a trigger that a match could lack is a leak. These tests
 * prove, shape by shape, that every text a shape masks passes its gate and both scans, and that
 * `redact` gives exactly what running every shape over every text gives (the pass before triggers).
 */

// randexp is CommonJS (`module.exports = RandExp`) while its types declare an ES default export.
const RandExp = ((randexp as unknown as { default?: typeof randexp.default }).default ?? randexp) as typeof randexp.default;

// A deterministic generator (mulberry32): the same corpus on every run, so a failure can be replayed.
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const knownValues: string[] = [];

/** The full pass, as `redact` ran before the triggers: known values, then every shape in order. */
function fullPass(text: string): string {
  if (!text) return text;
  const escaped = [...new Set(knownValues)].sort((a, b) => b.length - a.length).map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  let out = escaped.length ? text.replace(new RegExp(escaped.join('|'), 'g'), MASK) : text;
  for (const [, re, replacement] of SHAPES) out = out.replace(re, replacement);
  return out;
}

function matchesOf(re: RegExp, text: string): string[] {
  return [...text.matchAll(new RegExp(re.source, re.flags))].map((m) => m[0]);
}

/** Strings from a shape's regex; randexp knows no lookbehind, and without one the language only grows. */
function generated(re: RegExp, count: number): string[] {
  const source = re.source.replace(/\(\?<[!=](?:[^()]|\([^()]*\))*\)/g, '');
  const gen = new RandExp(new RegExp(source, re.flags.replace('g', '')));
  gen.max = 6;
  const next = random(7);
  gen.randInt = (a: number, b: number) => a + Math.floor(next() * (b - a + 1));
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(gen.gen());
  return out;
}

describe('secret shape triggers', () => {
  it('every shape has triggers, in lower case when its regex ignores case (the text is lower-cased to compare)', () => {
    expect(GATED).toHaveLength(SHAPES.length);
    for (const [name, re, , needs, alsoNeeds] of SHAPES) {
      expect(needs.length, name).toBeGreaterThan(0);
      for (const l of [...needs, ...(alsoNeeds ?? [])]) {
        expect(l.length, name).toBeGreaterThan(0);
        if (re.flags.includes('i')) expect(l, name).toBe(l.toLowerCase());
      }
    }
  });

  it('every shape masks at least one sample, so each gate below is tested on real text', () => {
    const missing = SHAPES.filter(([, re]) => !ALL_SAMPLES.some((s) => s.replace(re, MASK) !== s)).map(([name]) => name);
    expect(missing).toEqual([]);
  });

  for (const [i, [name, re]] of SHAPES.entries()) {
    it(`lets every sample that ${name} masks through its gate and both scans, and every match on its own`, () => {
      const masked = ALL_SAMPLES.filter((s) => s.replace(re, MASK) !== s);
      expect(masked.length).toBeGreaterThan(0);
      for (const text of [...masked, ...masked.flatMap((s) => matchesOf(re, s))]) {
        expect({ text, gate: mayMatch(GATED[i]!, text, () => text.toLowerCase()) }).toEqual({ text, gate: true });
        expect({ text, includes: viaIncludes(text), regex: viaRegex(text) }).toEqual({ text, includes: true, regex: true });
      }
    });

    it(`lets every string generated from the ${name} regex through, when the regex matches it`, () => {
      const matching = generated(re, 300).flatMap((s) => matchesOf(re, s));
      expect(matching.length).toBeGreaterThan(20);
      for (const text of matching) {
        expect({ text, gate: mayMatch(GATED[i]!, text, () => text.toLowerCase()) }).toEqual({ text, gate: true });
        expect({ text, includes: viaIncludes(text), regex: viaRegex(text) }).toEqual({ text, includes: true, regex: true });
      }
    });
  }

  it('lets a line with no trigger through untouched without running a shape', () => {
    for (const line of ['[   0.09s] ▶ c1 (compute)', '[   0.09s] ✔ c1 success (5 ms)', 'SUCCESS compute1000 in 886 ms: 1000 succeeded, 0 failed, 0 skipped']) {
      expect(viaIncludes(line)).toBe(false);
      expect(viaRegex(line)).toBe(false);
      expect(redact(line)).toBe(line);
    }
  });
});

describe('redact with triggers gives what the full pass gives', () => {
  const next = random(19);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const generatedSecrets = SHAPES.flatMap(([, re]) => generated(re, 20));
  const words = ['the', 'run', 'failed', 'ok', 'step', 'x=1', 'a:b', 'https://example.com/p?q=1', '"quoted"', "'single'", ';', '=', ':', '@', '\n', '\t', '\r\n', '  ', 'ümlaut', '✔', '\u001b[31m'];
  const separators = [' ', '', '\n', '=', ': ', '"', "'", ',', ';', '&', '/', '-', '_', '.'];
  const flipCase = (s: string) => [...s].map((c) => (next() < 0.3 ? (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()) : c)).join('');
  const cut = (s: string) => s.slice(Math.floor(next() * s.length / 2), s.length - Math.floor(next() * s.length / 2));

  function corpus(size: number): string[] {
    const out = [...ALL_SAMPLES, ...MORE_SHAPES.map(flipCase), ...generatedSecrets];
    for (let i = 0; i < size; i++) {
      const parts: string[] = [];
      const n = 1 + Math.floor(next() * 8);
      for (let j = 0; j < n; j++) {
        const roll = next();
        let part = roll < 0.35 ? pick(NEAR_MISSES) : roll < 0.55 ? pick(ALL_SAMPLES) : roll < 0.7 ? pick(generatedSecrets) : pick(words);
        if (next() < 0.2) part = flipCase(part);
        if (next() < 0.2) part = cut(part);
        parts.push(part, pick(separators));
      }
      out.push(parts.join(''));
    }
    return out;
  }

  it('on every sample and 20,000 random texts of samples, generated secrets, near misses and words', () => {
    const texts = corpus(20_000);
    const differ = texts.filter((t) => redact(t) !== fullPass(t));
    expect(differ).toEqual([]);
    // Not vacuous: a good part of the corpus holds a secret the full pass masks.
    expect(texts.filter((t) => fullPass(t) !== t).length).toBeGreaterThan(texts.length / 4);
  });

  it('with a few known values (checked by includes) and with many (by their alternation)', () => {
    const few = ['known-value-alpha', 'kv-beta-1234', 'ghp_', 'pass'];
    addSecrets(few);
    knownValues.push(...few);
    let texts = corpus(3_000).map((t) => (next() < 0.3 ? `${t}${pick(few)}${t}` : t));
    expect(texts.filter((t) => redact(t) !== fullPass(t))).toEqual([]);

    const many = Array.from({ length: 40 }, (_, k) => `many-known-${k}-${'z'.repeat(k % 5)}`);
    addSecrets(many);
    knownValues.push(...many);
    texts = corpus(3_000).map((t) => (next() < 0.3 ? `${pick(many)} ${t} ${pick(few)}` : t));
    expect(texts.filter((t) => redact(t) !== fullPass(t))).toEqual([]);
  });
});
