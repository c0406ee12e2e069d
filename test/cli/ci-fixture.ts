import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/aiw.js', import.meta.url));

/** Tools are tiny real commands. `warm_up` fails until its marker file exists, then succeeds. */
export const TOOLS = `tools:
  say:
    description: Print a text in green, as tools that colour their output do
    command: [/bin/sh, -c, 'printf "\\033[32m%s\\033[0m\\n" "$0"', "{{ text }}"]
    params:
      text: { type: string, required: true }
  break_disk:
    description: Fails the way a full disk does
    command: [/bin/sh, -c, "echo 'write failed: No space left on device' >&2; exit 3"]
  warm_up:
    description: Fails once with "not warm yet", then works
    command: [/bin/sh, -c, 'if [ -e "$0" ]; then echo warm; else : > "$0"; echo "not warm yet" >&2; exit 1; fi', "{{ marker }}"]
    params:
      marker: { type: string, required: true }
  wait_a_bit:
    description: Sleeps, so a test can see that earlier lines arrived before the run ended
    command: [sleep, "{{ seconds }}"]
    params:
      seconds: { type: string, default: "1" }
`;

/**
 * Line numbers matter: annotations and JUnit testcases point at them. `disk` (line 20) fails under
 * on_error continue; `gate` (line 29) fails the run when the input `fail` is true.
 */
export const SKILL = `name: ci
description: What a scheduled CI job runs
inputs:
  - name: fail
    type: boolean
    default: false
  - name: marker
    type: string
    required: true
steps:
  - name: hello
    tool: say
    args: { text: hi }
  - name: warm
    tool: warm_up
    args: { marker: "{{ inputs.marker }}" }
    on_error: auto_heal
    detect_failure: { cold: ["not warm yet"] }
    quick_fix: { cold: { tool: say, args: { text: warming } } }
    retry: { max_attempts: 2, delay: 0 }
  - name: checks
    then:
      - name: disk
        tool: break_disk
        on_error: continue
      - name: optional
        condition: "{{ inputs.fail and false }}"
        tool: say
        args: { text: never }
  - name: nested
    skill: child
  - name: gate
    condition: inputs.fail
    tool: break_disk
outputs:
  - name: greeting
    value: "{{ hello }}"
`;

export const CHILD = `name: child
steps:
  - name: inner
    tool: say
    args: { text: from the child }
`;

export const SLOW = `name: slow
steps:
  - name: first
    tool: say
    args: { text: first }
  - name: pause
    tool: wait_a_bit
    args: { seconds: "2" }
`;

/** The 1-based line of `- name: <step>` in a skill text. */
export function lineOf(text: string, step: string): number {
  const index = text.split('\n').findIndex((l) => l.trim() === `- name: ${step}`);
  if (index < 0) throw new Error(`no step ${step} in the fixture`);
  return index + 1;
}

/** A temporary project root with its own skills and tools; remove it with `rm(root)`. */
export async function makeRoot(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'aiw-ci-'));
  const files: Record<string, string> = { 'skills/ci.yaml': SKILL, 'skills/child.yaml': CHILD, 'skills/slow.yaml': SLOW, 'tools/ci.yaml': TOOLS };
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  return root;
}

export async function removeRoot(root: string): Promise<void> {
  await rm(root, { recursive: true, force: true });
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Milliseconds from the start until stdout first contained each of the `watch` texts. */
  seen: Record<string, number>;
  exitedAt: number;
}

/**
 * Runs the built binary the way a CI job does: pipes, no TTY, stdin closed, `CI=true`, and an
 * environment that holds nothing of the machine running the tests (no GITHUB_ACTIONS, FORCE_COLOR
 * or NO_COLOR leaking in) beyond PATH and HOME.
 */
export function runAiw(args: string[], opts: { cwd: string; env?: Record<string, string>; watch?: string[] }): Promise<Run> {
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: opts.cwd, CI: 'true', ...opts.env };
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const seen: Record<string, number> = {};
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      for (const w of opts.watch ?? []) if (seen[w] === undefined && stdout.includes(w)) seen[w] = performance.now() - started;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, seen, exitedAt: performance.now() - started }));
  });
}
