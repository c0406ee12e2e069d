import { describe, expect, it } from 'vitest';
import { contentHash } from '../../src/model/content-hash.js';

describe('contentHash', () => {
  it('is 16 hex digits, the same for the same text', () => {
    expect(contentHash('name: s\n')).toMatch(/^[0-9a-f]{16}$/);
    expect(contentHash('name: s\n')).toBe(contentHash('name: s\n'));
  });

  it('changes with any one character, its position, or the length', () => {
    const base = 'steps:\n  - name: a\n    compute: "return 1"\n';
    const texts = new Set([base, `${base}\n`]);
    for (let i = 0; i < base.length; i++) {
      texts.add(base.slice(0, i) + String.fromCharCode(base.charCodeAt(i) ^ 1) + base.slice(i + 1));
      texts.add(base.slice(0, i) + base.slice(i + 1));
    }
    expect(new Set([...texts].map(contentHash)).size).toBe(texts.size);
  });

  it('gives 200,000 similar texts 200,000 different names', () => {
    const names = new Set<string>();
    for (let i = 0; i < 200_000; i++) names.add(contentHash(`step-${i}: run ${i % 977}\n`));
    expect(names.size).toBe(200_000);
  });
});
