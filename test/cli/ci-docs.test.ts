import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const repo = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const SHIPPED_SKILLS = readdirSync(repo('skills')).map((f) => f.replace(/\.ya?ml$/, ''));

/** Every `aiw run <skill>` in a text, the skill names only. */
function skillsRun(text: string): string[] {
  return [...text.matchAll(/\baiw run ([A-Za-z0-9_.-]+)/g)].map((m) => m[1]!).filter((n) => n !== '<skill>');
}

describe('docs/ci.md: jobs that can be pasted as they are', () => {
  const doc = readFileSync(repo('docs/ci.md'), 'utf8');

  it('runs skills that aiw ships (copy a job and it runs)', () => {
    const names = skillsRun(doc);
    expect(names.length).toBeGreaterThan(0);
    expect(names.filter((n) => !SHIPPED_SKILLS.includes(n))).toEqual([]);
  });

  it('holds workflow and pipeline files that are valid YAML', () => {
    const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    for (const b of blocks) expect(() => parse(b)).not.toThrow();
  });

  it('the README\'s "In CI" commands run shipped skills too', () => {
    const readme = readFileSync(repo('README.md'), 'utf8');
    const start = readme.indexOf('## In CI');
    const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
    expect(skillsRun(section).filter((n) => !SHIPPED_SKILLS.includes(n))).toEqual([]);
  });
});
