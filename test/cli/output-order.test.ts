import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempRoot } from '../helpers/temp-root.js';

const BIN = fileURLToPath(new URL('../../bin/aiw.js', import.meta.url));

describe('output to a pipe', () => {
  it('keeps stdout and stderr in the order they were written when both go to one pipe (2>&1)', () => {
    const root = tempRoot({
      'tools/t.yaml': 'tools:\n  ok:\n    description: succeeds\n    command: [/bin/echo, "{{ n }}"]\n    params:\n      n: { type: string, required: true }\n',
      'skills/many.yaml': `name: many\ndescription: steps\nsteps:\n${Array.from({ length: 30 }, (_, i) => `  - name: s${i}\n    tool: ok\n    args: { n: "${i}" }\n`).join('')}`,
    });
    // --json: the progress lines go to stderr, the document to stdout, last.
    const both = execFileSync('bash', ['-c', `"${process.execPath}" "${BIN}" --root "${root.dir}" run many --json 2>&1`], { encoding: 'utf8', env: { ...process.env, CI: 'true' } });
    const lines = both.trimEnd().split('\n');
    const doc = JSON.parse(lines.at(-1)!) as { steps: unknown[] };
    expect(doc.steps).toHaveLength(30);
    const order = lines.slice(0, -1).map((l) => /[✔▶] (s\d+)/.exec(l)?.[1]).filter(Boolean);
    expect(order).toEqual(Array.from({ length: 30 }, (_, i) => [`s${i}`, `s${i}`]).flat());
  });

  it('writes everything before the process exits, also when stdout is a file', () => {
    const root = tempRoot({
      'tools/t.yaml': 'tools:\n  ok:\n    description: succeeds\n    command: [/bin/true]\n',
      'skills/one.yaml': 'name: one\ndescription: one\nsteps:\n  - name: s\n    tool: ok\n',
    });
    const file = root.path('out.txt');
    execFileSync('bash', ['-c', `"${process.execPath}" "${BIN}" --root "${root.dir}" run one > "${file}"; cat "${file}"`], { encoding: 'utf8', env: { ...process.env, CI: 'true' } });
    const text = execFileSync('cat', [file], { encoding: 'utf8' });
    expect(text).toMatch(/SUCCESS one in .*\n$/);
  });
});
