import { existsSync, readdirSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tempRoot, type TempRoot } from '../helpers/temp-root.js';
import { runAiw } from '../reliability/support/processes.js';

/**
 * The parse cache as a user meets it: the real binary, a real cache folder shared by runs. Whatever
 * the cache holds (nothing, everything, or it is off), aiw says the same things at the same places.
 */
const TOOLS = `tools:
  say:
    command: [printf, "%s", "{{ message }}"]
    params: { message: { type: string, required: true } }
  touch:
    command: [touch, "{{ path }}"]
    params: { path: { type: string, required: true } }
`;

function project(): TempRoot {
  const root = tempRoot();
  root.write('tools/t.yaml', TOOLS);
  root.write('aiw.config.yaml', 'auto_heal:\n  retry: { on: [network] }\n');
  return root;
}

/** Runs of `args` with a cold cache, the same cache warm, and the cache off: their outputs. */
async function threeWays(root: TempRoot, args: string[]): Promise<Array<{ code: number | null; stdout: string; stderr: string }>> {
  const cache = root.path('cache');
  rmSync(cache, { recursive: true, force: true });
  const out = [];
  for (const dir of [cache, cache, 'off']) {
    const r = await runAiw(['--root', root.dir, ...args], { cwd: root.dir, env: { AIW_CACHE_DIR: dir } });
    out.push({ code: r.code, stdout: r.stdout, stderr: r.stderr });
  }
  expect(readdirSync(root.path('cache', 'parse')).length).toBeGreaterThan(0);
  return out;
}

describe('the parse cache, seen from aiw', () => {
  it('validate reports every problem at the same file:line:col with the cache cold, warm and off', async () => {
    const root = project();
    root.write('tools/bad.yaml', 'tools:\n  bad:\n    comand: [echo]\n');
    root.write('skills/s.yaml', `name: s
steps:
  - name: a
    tool: say
    args: { mesage: hi }
  - name: b
    compute: "return (;"
  - name: c
    tool: sya
    args: { message: "{{ nope }}" }
`);
    root.write('skills/schema.yaml', 'name: schema\nsteps:\n  - name: a\n    tool: say\n    on_eror: continue\n');
    const [cold, warm, off] = await threeWays(root, ['validate']);
    expect(cold!.code).toBe(2);
    expect(cold!.stdout).toMatch(/skills\/s\.yaml:5:\d+: .*has no param 'mesage'/);
    expect(cold!.stdout).toMatch(/skills\/s\.yaml:7:\d+: .*does not compile/);
    expect(cold!.stdout).toMatch(/skills\/s\.yaml:9:\d+: .*unknown tool 'sya'/);
    expect(cold!.stdout).toMatch(/skills\/schema\.yaml:5:5: unknown property 'on_eror'/);
    expect(cold!.stdout).toMatch(/tools\/bad\.yaml:3:5: unknown property 'comand'/);
    expect(warm).toEqual(cold);
    expect(off).toEqual(cold);
  });

  it('run refuses a broken skill with exit 2 and the same file:line:col, cold, warm and off, running nothing', async () => {
    const root = project();
    root.write('skills/s.yaml', `name: s
steps:
  - name: first
    tool: touch
    args: { path: "${root.path('touched')}" }
  - name: ok
    compute: |
      return 1;
  - name: broken
    tool: say
    args: { message: "{{ inputs.nope }}" }
`);
    const runs = await threeWays(root, ['run', 's']);
    for (const r of runs) {
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/skills\/s\.yaml:11:\d+: .*'inputs\.nope' is not a declared input/);
    }
    expect(runs[1]).toEqual(runs[0]);
    expect(runs[2]).toEqual(runs[0]);
    expect(existsSync(root.path('touched'))).toBe(false);
  });

  it('runs the edited skill, not the cached one, after an edit that keeps size and mtime', async () => {
    const root = project();
    const env = { AIW_CACHE_DIR: root.path('cache') };
    const file = root.write('skills/s.yaml', 'name: s\nsteps:\n  - name: v\n    compute: "return 111"\n');
    utimesSync(file, 1_700_000_000, 1_700_000_000);
    const first = await runAiw(['--root', root.dir, 'run', 's', '--json'], { cwd: root.dir, env });
    expect(JSON.parse(first.stdout).steps[0].output).toBe(111);
    root.write('skills/s.yaml', 'name: s\nsteps:\n  - name: v\n    compute: "return 222"\n');
    utimesSync(file, 1_700_000_000, 1_700_000_000);
    expect(statSync(file).size).toBe(readFileSync(file).length);
    const second = await runAiw(['--root', root.dir, 'run', 's', '--json'], { cwd: root.dir, env });
    expect(JSON.parse(second.stdout).steps[0].output).toBe(222);
  });

  it('lets several runs share one cold cache at once: all succeed, and leave whole entries only', async () => {
    const root = project();
    const steps = Array.from({ length: 60 }, (_, i) => `  - name: c${i}\n    compute: "return inputs.n * ${i + 1};"\n  - name: s${i}\n    tool: say\n    args: { message: "{{ c${i} }}" }\n`).join('');
    root.write('skills/s.yaml', `name: s\ninputs:\n  - { name: n, type: integer, default: 2 }\nsteps:\n${steps}`);
    const env = { AIW_CACHE_DIR: root.path('cache') };
    const runs = await Promise.all(Array.from({ length: 6 }, () => runAiw(['--root', root.dir, 'run', 's', '--json'], { cwd: root.dir, env })));
    const outputs = (r: { stdout: string }) => (JSON.parse(r.stdout) as { steps: Array<{ output: unknown }> }).steps.map((s) => s.output);
    for (const r of runs) {
      expect(r.code).toBe(0);
      expect(outputs(r)).toEqual(outputs(runs[0]!));
    }
    expect(outputs(runs[0]!)[119]).toBe('120');
    const entries = readdirSync(root.path('cache', 'parse'));
    expect(entries.filter((n) => n.endsWith('.tmp'))).toEqual([]);
    // Every entry is whole: a warm run after them reads them and says the same.
    const warm = await runAiw(['--root', root.dir, 'run', 's', '--json'], { cwd: root.dir, env });
    expect(warm.code).toBe(0);
    expect(outputs(warm)).toEqual(outputs(runs[0]!));
    expect(readdirSync(root.path('cache', 'parse')).sort()).toEqual(entries.sort());
  });
});
