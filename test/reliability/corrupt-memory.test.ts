import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { sidecarPathFor } from '../../src/memory/attempt-log/attempt-log.js';
import { prng } from './support/prng.js';
import { runAiw, type Exited } from './support/processes.js';
import { scratch, type Scratch } from './support/scratch.js';
import { recordFigure } from './support/figures.js';

/**
 * Promise: memory files aiw did not write, or that were damaged, never stop it and are never
 * destroyed by it. Readers report `file:line:col` and read what they safely can; writers never
 * truncate or rewrite a file they could not parse; `aiw run` keeps working and keeps each attempt it
 * could not log in a sidecar file that it names.
 */
const MB = 1024 * 1024;
const GUARD = { timeoutMs: 120_000 };

function project(): Scratch {
  const root = scratch('corrupt');
  root.script('bin/fail', 'echo "error: connection refused while talking to the widget API" >&2; exit 1');
  root.script('bin/stuck', '[ -f "$MARK" ] || { echo "error: gadget stuck" >&2; exit 1; }\necho ok');
  root.script('bin/unstick', 'touch "$MARK"');
  root.write('tools/t.yaml', `tools:
  failing: { command: ["${root.path('bin/fail')}"] }
  stuck: { command: ["${root.path('bin/stuck')}"] }
  unstick: { command: ["${root.path('bin/unstick')}"], remedy_safe: true }
`);
  root.write('skills/s.yaml', 'name: s\nsteps:\n  - { name: call, tool: failing, on_error: continue }\n  - { name: after, compute: "return 42" }\n');
  root.write('skills/remedied.yaml', 'name: remedied\nsteps:\n  - { name: call, tool: stuck, on_error: auto_heal }\n');
  return root;
}

const roots: Scratch[] = [];
const immutable: string[] = [];
let canChattr = false;

beforeAll(() => {
  const probe = scratch('chattr-probe');
  roots.push(probe);
  const file = probe.write('f', 'x');
  try {
    execFileSync('chattr', ['+i', file], { stdio: 'ignore' });
    execFileSync('chattr', ['-i', file], { stdio: 'ignore' });
    canChattr = true;
  } catch {
    // Not root, no chattr, or a file system without the immutable flag: those tests say so and skip.
    canChattr = false;
  }
});

afterEach(() => {
  for (const f of immutable.splice(0)) execFileSync('chattr', ['-i', f]);
});

afterAll(() => {
  for (const r of roots) r.remove();
});

function fresh(): Scratch {
  const root = project();
  roots.push(root);
  return root;
}

function makeImmutable(file: string): void {
  execFileSync('chattr', ['+i', file]);
  immutable.push(file);
}

const aiwIn = (root: Scratch, args: string[], env: Record<string, string> = {}) => runAiw(['--root', root.dir, ...args], { ...GUARD, env });

function expectNoCrash(p: Exited): void {
  expect({ hung: p.hung, internal: /internal error|\n {4}at /.test(p.stderr) }).toEqual({ hung: false, internal: false });
}

/** `aiw run s --json`: the skill still runs to its end (partial: the tool failed on purpose). */
async function runStillWorks(root: Scratch): Promise<Exited> {
  const p = await aiwIn(root, ['run', 's', '--json']);
  expectNoCrash(p);
  expect(p.code).toBe(0);
  const doc = JSON.parse(p.stdout) as { status: string; steps: Array<{ name: string; status: string; output?: unknown }> };
  expect(doc.status).toBe('partial');
  expect(doc.steps.map((s) => [s.name, s.status])).toEqual([['call', 'failed'], ['after', 'success']]);
  return p;
}

/** Deterministic bytes that are not text: NULs, invalid UTF-8, control characters. */
function binary(size: number): Buffer {
  const rng = prng(7);
  return Buffer.from(Array.from({ length: size }, () => rng.int(256)));
}

/** 50 MB of a foreign YAML mapping (a million keys): the slowest thing for a general YAML parser. */
function foreignMapping(bytes: number): string {
  const line = (n: number) => `key_${n}: value number ${n} with some text\n`;
  const lines: string[] = [];
  let size = 0;
  for (let n = 0; size < bytes; n++) {
    const l = line(n);
    lines.push(l);
    size += l.length;
  }
  return lines.join('');
}

const LOG = 'memory/learned/tool_failures.yaml';
const POSITION = /tool_failures\.yaml:\d+:\d+/;

describe('a corrupt or foreign tool_failures.yaml', () => {
  const unusable: Array<[string, string | Buffer, RegExp]> = [
    ['invalid YAML', 'failures:\n  - {"tool": "a", "success": true, "timestamp": "2026-01-01T00:00:00Z"}\n  - [unclosed, "flow\nowner: sre\n', /not valid YAML/],
    ['a list at the top level', '- tool: a\n- tool: b\n', /not a mapping/],
    ['"failures" that is not a list', 'failures: 42\n', /not a list/],
    ['a binary file', binary(4096), /not valid YAML|not a mapping|cannot/],
  ];
  for (const [what, content, why] of unusable) {
    it(`${what}: aiw run goes on, the file stays byte-for-byte, the attempt lands in the sidecar it names`, async () => {
      const root = fresh();
      const file = root.write(LOG, content);
      const before = readFileSync(file);
      const p = await runStillWorks(root);
      expect(readFileSync(file).equals(before)).toBe(true);
      const sidecar = sidecarPathFor(file);
      expect(p.stderr).toContain(`aiw: warning: ${file} was left untouched`);
      expect(p.stderr).toContain(sidecar);
      expect(p.stderr).toMatch(why);
      const kept = parse(readFileSync(sidecar, 'utf8')) as { failures: Array<Record<string, unknown>> };
      expect(kept.failures.map((f) => [f.tool, f.step, f.success])).toEqual([['failing', 'call', false]]);
      // The reader reports where the file is broken and carries on.
      const read = await aiwIn(root, ['memory', 'failures', '--json']);
      expectNoCrash(read);
      expect(read.code).toBe(0);
      const doc = JSON.parse(read.stdout) as { warnings: string[] };
      expect(doc.warnings.some((w) => POSITION.test(w))).toBe(true);
    });
  }

  it('entries of the wrong shape: each is reported at its line and skipped, the rest is read, and appends keep them', async () => {
    const root = fresh();
    const good = '{"tool": "ok", "success": true, "timestamp": "2026-01-01T00:00:00Z"}';
    const text = `# hand-edited\nfailures:\n  - {"tool": 1, "success": true, "timestamp": "t"}\n  - just some text\n  - ${good}\n  - {"success": false}\n`;
    const file = root.write(LOG, text);
    const read = await aiwIn(root, ['memory', 'failures', '--json']);
    expect(read.code).toBe(0);
    const doc = JSON.parse(read.stdout) as { failures: { total: number }; warnings: string[] };
    expect(doc.failures.total).toBe(1);
    expect(doc.warnings.map((w) => /tool_failures\.yaml:(\d+):\d+/.exec(w)?.[1])).toEqual(['3', '4', '6']);
    await runStillWorks(root);
    const after = readFileSync(file, 'utf8');
    expect(after.startsWith(text)).toBe(true);
    expect(existsSync(sidecarPathFor(file))).toBe(false);
    expect((parse(after) as { failures: unknown[] }).failures).toHaveLength(5);
  });

  it('an alias bomb: the entry that would expand to millions of nodes is skipped at its line, the rest is read, runs go on', async () => {
    const root = fresh();
    const bomb = ['bomb0: &b0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (let i = 1; i < 10; i++) bomb.push(`bomb${i}: &b${i} [${Array(9).fill(`*b${i - 1}`).join(', ')}]`);
    // The key after the list sends readers and writers down the full-parse path.
    root.write(LOG, `${bomb.join('\n')}\nfailures:\n  - *b9\n  - {"tool": "ok", "success": true, "timestamp": "2026-01-01T00:00:00Z"}\nowner: sre\n`);
    const read = await aiwIn(root, ['memory', 'failures', '--json']);
    expectNoCrash(read);
    expect(read.code).toBe(0);
    const doc = JSON.parse(read.stdout) as { failures: { total: number }; warnings: string[] };
    expect(doc.failures.total).toBe(1);
    expect(doc.warnings).toEqual([expect.stringMatching(/tool_failures\.yaml:12:\d+: .*alias/i)]);
    await runStillWorks(root);
    const after = parse(readFileSync(root.path(LOG), 'utf8'), { maxAliasCount: -1 }) as { owner: string; failures: unknown[] };
    expect(after.owner).toBe('sre');
    expect(after.failures).toHaveLength(3);
  });

  it('a read-only (immutable) file: untouched, the attempt goes to the sidecar', async (ctx) => {
    if (!canChattr) ctx.skip(true, 'chattr +i is not available (needs root and ext2/3/4, xfs or btrfs)');
    const root = fresh();
    const file = root.write(LOG, 'failures:\n');
    makeImmutable(file);
    const p = await runStillWorks(root);
    expect(readFileSync(file, 'utf8')).toBe('failures:\n');
    expect(p.stderr).toMatch(/cannot be written \(EPERM|EACCES\)/);
    expect((parse(readFileSync(sidecarPathFor(file), 'utf8')) as { failures: unknown[] }).failures).toHaveLength(1);
  });

  it('a missing memory directory is created; a memory directory that is a file only costs a warning', async () => {
    const root = fresh();
    const dir = root.path('deep/new/memory');
    const p = await aiwIn(root, ['--memory-dir', dir, 'run', 's', '--json']);
    expect(p.code).toBe(0);
    expect((parse(readFileSync(`${dir}/learned/tool_failures.yaml`, 'utf8')) as { failures: unknown[] }).failures).toHaveLength(1);
    root.write('memory/learned', 'a file where the folder should be\n');
    const q = await runStillWorks(root);
    expect(q.stderr).toMatch(/aiw: warning: attempt of failing not recorded in .*tool_failures\.yaml: .*(ENOTDIR|EEXIST|not a directory)/);
    expect(readFileSync(root.path('memory/learned'), 'utf8')).toBe('a file where the folder should be\n');
  });

  it('50 MB of a foreign mapping: not parsed (it would take minutes), untouched, the attempt goes to the sidecar; readers warn', async () => {
    const root = fresh();
    const text = foreignMapping(50 * MB);
    const file = root.write(LOG, text);
    const p = await runStillWorks(root);
    expect(p.stderr).toContain('it is 50.0 MB and not laid out as aiw writes it');
    expect(statSync(file).size).toBe(text.length);
    expect(readFileSync(file, 'utf8') === text).toBe(true);
    const read = await aiwIn(root, ['memory', 'failures', '--json']);
    expect(read.code).toBe(0);
    // The attempt parked in the sidecar is read too, and said to be there.
    expect((JSON.parse(read.stdout) as { warnings: string[] }).warnings).toEqual([
      expect.stringMatching(/tool_failures\.yaml:1:1: not read: it is 50\.0 MB/),
      expect.stringMatching(/tool_failures\.unsaved\.yaml:1:1: 1 entry is parked here/),
    ]);
    expect((JSON.parse(read.stdout) as { failures: { total: number } }).failures.total).toBe(1);
  });

  it('50 MB of valid entries: one more line is appended, nothing before it changes, and every entry reads back', async () => {
    const root = fresh();
    const line = (n: number) => `  - {"tool":"t${n % 10}","error":"exit code 1: ${'e'.repeat(200)}","error_type":null,"fix_attempted":null,"success":false,"timestamp":"2026-01-01T00:00:00+00:00","skill":"s","step":"call","attempt":1,"duration_ms":${n},"run_id":"old"}\n`;
    const parts = ['failures:\n'];
    let size = parts[0]!.length;
    let n = 0;
    for (; size < 50 * MB; n++) {
      parts.push(line(n));
      size += line(n).length;
    }
    const file = root.write(LOG, parts.join(''));
    await runStillWorks(root);
    expect(statSync(file).size).toBeGreaterThan(size);
    // The old bytes are still the file's first bytes: compare its head and the old end.
    const fd = openSync(file, 'r');
    try {
      const tail = Buffer.alloc(line(n - 1).length);
      readSync(fd, tail, 0, tail.length, size - tail.length);
      expect(tail.toString()).toBe(line(n - 1));
    } finally {
      closeSync(fd);
    }
    const read = await aiwIn(root, ['memory', 'stats', '--json']);
    expect(read.code).toBe(0);
    const stats = JSON.parse(read.stdout) as { warnings: string[]; stats: Record<string, unknown> };
    expect(stats.warnings).toEqual([]);
    expect(JSON.stringify(stats.stats)).toContain(String(n + 1));
    recordFigure('corrupt.50mb-log', { entries: n + 1 });
  });
});

const FIXES = 'memory/learned/tool_fixes.yaml';
const PATTERNS = 'memory/learned/patterns.yaml';
const PATTERNS_TEXT = `error_patterns:
  - pattern: "connection refused"
    meaning: the widget API is down
    fix: restart it
    commands: ["systemctl restart widget"]
auth_patterns: "the seed stored this category as one long string"
`;

describe('a corrupt or foreign tool_fixes.yaml or patterns.yaml', () => {
  const broken: Array<[string, string | Buffer]> = [
    ['invalid YAML', 'tool_fixes:\n  - tool_name: failing\n    error_pattern: "connection refused\n  - [unclosed\n'],
    ['a binary file', binary(4096)],
    ['"tool_fixes" that is a string', 'tool_fixes: "not a list"\n'],
  ];
  for (const [what, content] of broken) {
    it(`${what}: lookups warn with file:line:col and still use patterns.yaml; learn-fix refuses and leaves it byte-for-byte; runs go on`, async () => {
      const root = fresh();
      const file = root.write(FIXES, content);
      root.write(PATTERNS, PATTERNS_TEXT);
      const before = readFileSync(file);
      const look = await aiwIn(root, ['known-issues', '--tool', 'failing', '--error', 'connection refused', '--json']);
      expectNoCrash(look);
      expect(look.code).toBe(0);
      expect(look.stderr).toMatch(/tool_fixes\.yaml:\d+:\d+: /);
      expect(look.stderr).toMatch(/patterns\.yaml:6:1: category "auth_patterns" skipped/);
      expect((JSON.parse(look.stdout) as { matches: Array<{ pattern: string }> }).matches.map((m) => m.pattern)).toEqual(['connection refused']);
      const learn = await aiwIn(root, ['learn-fix', '--tool', 'failing', '--pattern', 'refused', '--root-cause', 'r', '--fix', 'f']);
      expectNoCrash(learn);
      // A file aiw cannot read is bad input: exit 2, as for any other invalid input file.
      expect(learn.code).toBe(2);
      expect(learn.stderr).toMatch(/tool_fixes\.yaml:\d+:\d+: will not change/);
      expect(readFileSync(file).equals(before)).toBe(true);
      const run = await runStillWorks(root);
      expect(run.stderr).toMatch(/aiw: warning: .*tool_fixes\.yaml:\d+:\d+/);
      expect(readFileSync(file).equals(before)).toBe(true);
      const check = await aiwIn(root, ['validate']);
      expect(check.code).toBe(2);
      expect(check.stdout).toMatch(/tool_fixes\.yaml:\d+:\d+: /);
    });
  }

  it('entries of the wrong shape are skipped with their line, and learn-fix adds after them without touching them', async () => {
    const root = fresh();
    const text = `# Team fixes
tool_fixes:
  - 42
  - [a, list]
  - tool_name: failing
    root_cause: no pattern
  - tool_name: failing
    error_pattern: "connection refused"
    root_cause: "the API restarts at noon"
    fix_applied: "wait"
    times_prevented: many
`;
    const file = root.write(FIXES, text);
    const look = await aiwIn(root, ['known-issues', '--tool', 'failing', '--error', 'connection refused', '--json']);
    expect(look.code).toBe(0);
    expect(look.stderr.match(/tool_fixes\.yaml:(\d+):\d+/g)).toEqual(['tool_fixes.yaml:3:5', 'tool_fixes.yaml:4:5', 'tool_fixes.yaml:5:5', 'tool_fixes.yaml:7:5'].map((s) => expect.stringContaining(s)));
    expect((JSON.parse(look.stdout) as { matches: Array<{ root_cause: string }> }).matches.map((m) => m.root_cause)).toEqual(['the API restarts at noon']);
    const learn = await aiwIn(root, ['learn-fix', '--tool', 'failing', '--pattern', 'widget API', '--root-cause', 'r', '--fix', 'f']);
    expect(learn.code).toBe(0);
    expect(readFileSync(file, 'utf8').startsWith(text)).toBe(true);
  });

  it('a read-only (immutable) tool_fixes.yaml: learn-fix fails with a clear message; a run still heals, and says the count was not kept', async (ctx) => {
    if (!canChattr) ctx.skip(true, 'chattr +i is not available (needs root and ext2/3/4, xfs or btrfs)');
    const root = fresh();
    const file = root.write(FIXES, 'tool_fixes:\n  - tool_name: stuck\n    error_pattern: "gadget stuck"\n    root_cause: r\n    fix_applied: f\n    times_prevented: 0\n    remedy: { tool: unstick, args: {} }\n');
    const before = readFileSync(file, 'utf8');
    expect((await aiwIn(root, ['memory', 'trust', 'stuck', 'gadget stuck'])).code).toBe(0);
    makeImmutable(file);
    const learn = await aiwIn(root, ['learn-fix', '--tool', 'failing', '--pattern', 'refused', '--root-cause', 'r', '--fix', 'f']);
    expectNoCrash(learn);
    expect(learn.code).toBe(1);
    expect(learn.stderr).toMatch(/cannot write .*tool_fixes\.yaml: EPERM/);
    const run = await aiwIn(root, ['run', 'remedied', '--json'], { MARK: root.path('mark') });
    expectNoCrash(run);
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as { steps: Array<{ status: string }> }).steps[0]!.status).toBe('healed');
    expect(run.stderr).toMatch(/aiw: warning: times_prevented of the fix for stuck .* not counted/);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it('a missing memory directory: learn-fix creates it', async () => {
    const root = fresh();
    const dir = root.path('nowhere/yet');
    const learn = await aiwIn(root, ['--memory-dir', dir, 'learn-fix', '--tool', 'failing', '--pattern', 'refused', '--root-cause', 'r', '--fix', 'f']);
    expect(learn.code).toBe(0);
    expect(parse(readFileSync(`${dir}/learned/tool_fixes.yaml`, 'utf8'))).toMatchObject({ tool_fixes: [{ tool_name: 'failing', error_pattern: 'refused' }] });
  });

  // Found by this suite: 50 MB of a foreign mapping in tool_fixes.yaml never finished parsing.
  // Learned files over LEARNED_PARSE_LIMIT are now skipped with a warning and never rewritten.
  it('50 MB of a foreign mapping in tool_fixes.yaml: lookups warn and go on in bounded time', async () => {
    const root = fresh();
    root.write(FIXES, foreignMapping(50 * MB));
    const look = await runAiw(['--root', root.dir, 'known-issues', '--tool', 'failing', '--error', 'x', '--json'], { timeoutMs: 60_000 });
    expect(look.hung).toBe(false);
    expect(look.code).toBe(0);
    expect(look.stderr).toMatch(/tool_fixes\.yaml:1:1/);
    const before = statSync(root.path(FIXES)).size;
    const learn = await runAiw(['--root', root.dir, 'learn-fix', '--tool', 'failing', '--pattern', 'x y', '--root-cause', 'r', '--fix', 'f'], { timeoutMs: 60_000 });
    expect(learn.hung).toBe(false);
    expect(learn.code).toBe(2);
    expect(learn.stderr).toMatch(/not written/);
    expect(statSync(root.path(FIXES)).size).toBe(before);
  });
});
