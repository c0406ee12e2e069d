import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/io.js';
import { recordFigure } from './support/figures.js';
import { mutate, type MutationKind } from './support/mutate.js';
import { prng } from './support/prng.js';
import { runAiw } from './support/processes.js';
import { scratch, type Scratch } from './support/scratch.js';
import { TEST_XDG_CONFIG_HOME } from '../helpers/temp-root.js';

/**
 * Promise: no skill, tool or config file, however broken, makes aiw crash or hang. 1,000 seeded
 * mutations of valid files go through `aiw validate` and `aiw run` in-process, and 50 more through
 * the real binary: every one ends with exit 0, 1 or 2 and a message, never a stack trace, an
 * "internal error" or a hang.
 */
const SEED = 90210;
const IN_PROCESS = 1000;
const THROUGH_BINARY = 50;
// A hang guard per command (nothing in these files takes more than a few ms), not a target.
const GUARD_MS = 20_000;

const BASE: Record<string, string> = {
  'skills/main.yaml': `name: main
description: every step type, for mutation
version: 1
compute_timeout: 500ms
inputs:
  - { name: who, type: string, default: world, description: who to greet }
  - { name: count, type: integer, default: 2 }
  - { name: mode, type: string, default: fast, enum: [fast, slow] }
defaults: { greeting: hello, tags: [a, b] }
steps:
  - name: say
    tool: echo_args
    args: { text: "{{ defaults.greeting }} {{ inputs.who }}", n: "{{ inputs.count }}" }
  - name: listed
    tool: list_lines
    on_error: continue
  - name: parsed
    tool: json_tool
    output: data
  - name: doubled
    compute: |
      return { n: inputs.count * 2, said: say, lines: listed ? listed.length : 0, a: data.a };
  - name: branch
    condition: "doubled.n > 100"
    then:
      - name: inner
        tool: echo_args
        args: { text: "inner {{ doubled.n }}" }
      - return: { said: "{{ say }}", n: "{{ doubled.n }}" }
  - name: nested
    skill: child
    inputs: { value: "{{ inputs.who }}" }
  - name: healme
    tool: flaky
    on_error: auto_heal
    retry: { max_attempts: 2, delay: 0, on: [auth] }
    detect_failure: { auth: ["not logged in"] }
    quick_fix: { auth: { tool: echo_args, args: { text: fix } } }
    timeout: 5s
    failed_when: ["❌"]
  - name: manual
    description: look at the dashboard
outputs:
  - { name: report, value: "{{ say }} / {{ doubled.n }} / {% for t in defaults.tags %}{{ t }}{% endfor %}" }
  - { name: computed, compute: "return doubled.n + 1" }
`,
  'skills/child.yaml': `name: child
inputs:
  - { name: value, type: string, required: true }
steps:
  - { name: echo, tool: echo_args, args: { text: "child {{ inputs.value }}" } }
outputs:
  - { name: result, value: "{{ echo }}" }
`,
  'tools/tools.yaml': `tools:
  echo_args:
    description: prints its args
    command: [echo, "{{ text }}", "{{ n }}"]
    params:
      text: { type: string, required: true, description: what to print }
      n: { type: integer, default: 1 }
    timeout: 5s
  list_lines:
    command: [printf, "a\\nb\\nc\\n"]
    parse: lines
  json_tool:
    command: [echo, '{"a": 1}']
    parse: json
  flaky:
    command: ["false"]
    auto_heal: k8s
    failed_when: ["❌"]
`,
  'aiw.config.yaml': `compute_timeout: 1s
auto_heal:
  retry: { max_attempts: 2, delay: 0, jitter: false }
  cooldown: 0
  budget: 3
  classes: { quota: ["/exceeded quota/i", "quota exceeded"] }
  profiles:
    k8s: { auth: { tool: echo_args, args: { text: login } } }
environments:
  stage: { url: "http://127.0.0.1:1" }
`,
};
const FILES = Object.keys(BASE);

// Cases run in a few lanes at once, each in its own project: most of a case's time is spent
// waiting for the tools it starts. A case's outcome depends only on its own files.
const LANES = 4;
let lanes: Scratch[] = [];

beforeAll(() => {
  lanes = Array.from({ length: LANES }, () => scratch('fuzz', BASE));
});

afterAll(() => lanes.forEach((l) => l.remove()));

interface Outcome {
  code: number | 'hung';
  stdout: string;
  stderr: string;
}

/** The CLI in-process (as test/helpers/temp-root.ts does), with a guard against a hang. */
async function inProcess(root: Scratch, argv: string[]): Promise<Outcome> {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    stdout: { write: (t) => void (stdout += t), isTTY: false },
    stderr: { write: (t) => void (stderr += t), isTTY: false },
    env: { PATH: process.env.PATH, HOME: process.env.HOME, CI: 'true', XDG_CONFIG_HOME: TEST_XDG_CONFIG_HOME },
    cwd: root.dir,
  };
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), GUARD_MS)));
  try {
    const code = await Promise.race([run(['--root', root.dir, ...argv], io), hung]);
    return { code, stdout, stderr };
  } finally {
    clearTimeout(timer);
  }
}

/** One mutated project: 1 to 3 mutations of one file; the other files as they were. */
function mutatedCase(seed: number): { file: string; kinds: MutationKind[]; text: string } {
  const rng = prng(seed);
  const file = rng.pick(FILES);
  let text = BASE[file]!;
  const kinds: MutationKind[] = [];
  for (let i = 0, n = 1 + rng.int(3); i < n; i++) {
    const m = mutate(text, rng);
    kinds.push(m.kind);
    text = m.text;
  }
  return { file, kinds, text };
}

function install(root: Scratch, c: { file: string; text: string }): void {
  for (const f of FILES) root.write(f, f === c.file ? c.text : BASE[f]!);
  // Attempts logged by earlier cases are not what this test is about; keep memory small.
  rmSync(root.path('memory'), { recursive: true, force: true });
}

/** What must hold for every command on every mutated file. */
function problemsOf(what: string, o: Outcome): string[] {
  const problems: string[] = [];
  if (o.code === 'hung') problems.push(`${what}: no exit after ${GUARD_MS} ms`);
  else if (![0, 1, 2].includes(o.code)) problems.push(`${what}: exit ${o.code}`);
  const all = `${o.stdout}\n${o.stderr}`;
  if (/\n {4}at /.test(all)) problems.push(`${what}: stack trace: ${all.slice(0, 600)}`);
  if (/internal error/i.test(all)) problems.push(`${what}: internal error: ${all.slice(0, 600)}`);
  if (o.code !== 0 && o.stderr.trim() === '' && o.stdout.trim() === '') problems.push(`${what}: exit ${o.code} without a message`);
  return problems;
}

function count(into: Record<string, number>, key: string): void {
  into[key] = (into[key] ?? 0) + 1;
}

describe('bad skill, tool and config files', () => {
  it('the unmutated project validates and runs (the fuzz starts from valid files)', async () => {
    const root = lanes[0]!;
    install(root, { file: '', text: '' });
    const v = await inProcess(root, ['validate']);
    expect(v.stdout + v.stderr).toContain('files OK');
    expect(v.code).toBe(0);
    const r = await inProcess(root, ['run', 'main', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'partial', outputs: { report: 'hello world 2 / 4 / ab', computed: 5 } });
  });

  it(`${IN_PROCESS} mutations, in-process: validate and run only ever exit 0, 1 or 2 with a message`, async () => {
    const failures: string[] = [];
    const codes: Record<string, number> = {};
    const kinds: Record<string, number> = {};
    await Promise.all(lanes.map(async (root, lane) => {
      for (let i = lane; i < IN_PROCESS && failures.length < 5; i += LANES) {
        const c = mutatedCase(SEED + i);
        install(root, c);
        c.kinds.forEach((k) => count(kinds, `kind:${k}`));
        for (const argv of [['validate'], ['run', 'main', '--json']]) {
          const o = await inProcess(root, argv);
          count(codes, `${argv[0]}:${o.code}`);
          failures.push(...problemsOf(`case ${i} (seed ${SEED + i}, ${c.file}, ${c.kinds.join('+')}) aiw ${argv.join(' ')}`, o));
        }
      }
    }));
    expect(failures).toEqual([]);
    recordFigure('fuzz.in-process', { mutations: IN_PROCESS, ...codes, ...kinds });
  }, 240_000);

  it(`${THROUGH_BINARY} more mutations through the real binary: the same, with real processes and a kill on hang`, async () => {
    const failures: string[] = [];
    const codes: Record<string, number> = {};
    await Promise.all(lanes.slice(0, 2).map(async (root, lane) => {
      for (let i = lane; i < THROUGH_BINARY; i += 2) {
        const c = mutatedCase(SEED + IN_PROCESS + i);
        install(root, c);
        for (const what of ['validate', 'run'] as const) {
          const p = await runAiw(['--root', root.dir, ...(what === 'run' ? ['run', 'main', '--json'] : ['validate'])], { timeoutMs: GUARD_MS });
          count(codes, `${what}:${p.hung ? 'hung' : p.code}`);
          failures.push(...problemsOf(`binary case ${i} (seed ${SEED + IN_PROCESS + i}, ${c.file}, ${c.kinds.join('+')}) aiw ${what}`, { code: p.hung ? 'hung' : (p.code ?? -1), stdout: p.stdout, stderr: p.stderr }));
        }
      }
    }));
    expect(failures).toEqual([]);
    recordFigure('fuzz.binary', { mutations: THROUGH_BINARY, ...codes });
  }, 240_000);
});
