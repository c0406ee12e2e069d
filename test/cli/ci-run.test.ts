import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findAll, parseXml } from '../report/xml-check.js';
import { SKILL, lineOf, makeRoot, removeRoot, runAiw } from './ci-fixture.js';

// eslint-disable-next-line no-control-regex
const ESC = /\u001b/;
let root: string;
beforeAll(async () => {
  root = await makeRoot();
});
afterAll(async () => {
  await removeRoot(root);
});

/** `aiw run ci` with a fresh marker, so the `warm` step fails once and is healed every time. */
const runCi = (extra: string[] = [], env: Record<string, string> = {}) =>
  runAiw(['run', 'ci', '--root', root, '-i', `marker=${join(root, `warm-${randomUUID()}`)}`, ...extra], { cwd: root, env });

describe('aiw run in CI (CI=true, pipes, no TTY)', () => {
  it('prints one plain line per event with its elapsed time, no colour and no escape codes, and exits 0 on partial', async () => {
    const { code, stdout, stderr } = await runCi();
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).not.toMatch(ESC);
    const events = stdout.split('\n\nOutputs')[0]!.split('\n');
    for (const line of events) expect(line).toMatch(/^\[ +\d+\.\d\ds\] /);
    expect(stdout).toMatch(/^\[ +\d+\.\d\ds\] ✔ warm healed \(.+, 2 attempts\)$/m);
    expect(stdout).toMatch(/^\[ +\d+\.\d\ds\] {3}✖ disk failed \(/m);
    expect(stdout).toMatch(/^\[ +\d+\.\d\ds\] {3}- optional skipped/m);
    expect(stdout).toContain('greeting: hi\n');
    expect(stdout).toMatch(/^\[ +\d+\.\d\ds\] - gate skipped/m);
    expect(stdout).toMatch(/^PARTIAL ci in .+: 4 succeeded \(1 healed\), 1 failed, 2 skipped$/m);
  });

  it('streams each line as it happens instead of at the end', async () => {
    const run = await runAiw(['run', 'slow', '--root', root], { cwd: root, watch: ['✔ first success'] });
    expect(run.code).toBe(0);
    expect(run.exitedAt - run.seen['✔ first success']!).toBeGreaterThan(1500);
  });

  it('exits 1 when a step fails the skill, and 2 for an unknown skill or a bad input', async () => {
    expect((await runCi(['-i', 'fail=true'])).code).toBe(1);
    const unknown = await runAiw(['run', 'nope', '--root', root], { cwd: root });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/nope/);
    expect((await runCi(['-i', 'fail=maybe'])).code).toBe(2);
  });

  it('colours with FORCE_COLOR, and never with NO_COLOR, which wins', async () => {
    expect((await runCi([], { FORCE_COLOR: '1' })).stdout).toMatch(ESC);
    const both = await runCi([], { FORCE_COLOR: '1', NO_COLOR: '1' });
    expect(both.stdout).not.toMatch(ESC);
    expect(both.stderr).not.toMatch(ESC);
  });

  it('with --json prints exactly one JSON document on stdout and the log on stderr', async () => {
    const { code, stdout, stderr } = await runCi(['--json']);
    expect(code).toBe(0);
    expect(stdout.endsWith('}\n')).toBe(true);
    expect(stdout.trimEnd().split('\n')).toHaveLength(1);
    const doc = JSON.parse(stdout) as { status: string; steps: Array<{ name: string; status: string }> };
    expect(doc.status).toBe('partial');
    expect(doc.steps.map((s) => [s.name, s.status])).toEqual([['hello', 'success'], ['warm', 'healed'], ['checks', 'success'], ['nested', 'success'], ['gate', 'skipped']]);
    expect(stderr).toMatch(/^\[ +\d+\.\d\ds\] ✔ hello success/m);
    expect(stderr).not.toMatch(ESC);
  });

  it('with --junit writes a report that parses as XML, one testcase per step, with the right counts', async () => {
    const { code } = await runCi(['--junit', 'reports/ci/junit.xml', '-i', 'fail=true']);
    expect(code).toBe(1);
    const xml = await readFile(join(root, 'reports/ci/junit.xml'), 'utf8');
    const doc = parseXml(xml);
    const [suite] = findAll(doc, 'testsuite');
    // checks/disk failed under on_error continue: tolerated, so <skipped>, not a failure.
    expect(suite!.attrs).toMatchObject({ name: 'ci', tests: '6', failures: '1', skipped: '2', errors: '0' });
    expect(doc.attrs).toMatchObject({ tests: '6', failures: '1', skipped: '2', errors: '0' });
    const cases = findAll(doc, 'testcase');
    expect(cases.map((c) => c.attrs.name)).toEqual(['hello', 'warm', 'checks/disk', 'checks/optional', 'nested/inner', 'gate']);
    expect(cases.find((c) => c.attrs.name === 'gate')!.attrs).toMatchObject({ file: 'skills/ci.yaml', line: String(lineOf(SKILL, 'gate')) });
    const disk = cases.find((c) => c.attrs.name === 'checks/disk')!;
    expect(findAll(disk, 'failure')).toEqual([]);
    expect(findAll(disk, 'skipped')[0]!.attrs.message).toMatch(/^tolerated failure: skills\/ci\.yaml:23:1: exit code 3: write failed: No space left on device/);
    expect(findAll(disk, 'skipped')[0]!.text).toContain('tool: break_disk, 1 attempt');
    expect(findAll(cases.find((c) => c.attrs.name === 'gate')!, 'failure')[0]!.attrs.message).toMatch(/No space left on device/);
    expect(findAll(cases.find((c) => c.attrs.name === 'warm')!, 'system-out')[0]!.text).toMatch(/heal cold → say/);
  });
});

describe('aiw run on GitHub Actions (GITHUB_ACTIONS=true)', () => {
  const github = async (extra: string[] = []) => {
    const summary = join(root, `summary-${randomUUID()}.md`);
    await writeFile(summary, '');
    const run = await runCi(extra, { GITHUB_ACTIONS: 'true', GITHUB_WORKSPACE: root, GITHUB_STEP_SUMMARY: summary });
    return { ...run, lines: run.stdout.split('\n'), summary: await readFile(summary, 'utf8') };
  };

  it('annotates the failing step as an error, and the healed and tolerated ones as warnings, at their lines', async () => {
    const { code, lines } = await github(['-i', 'fail=true']);
    expect(code).toBe(1);
    const errors = lines.filter((l) => l.startsWith('::error'));
    expect(errors).toEqual([expect.stringMatching(new RegExp(`^::error file=skills/ci\\.yaml,line=${lineOf(SKILL, 'gate')},title=aiw ci%3A step gate failed::`))]);
    expect(lines.filter((l) => l.startsWith('::warning'))).toEqual([
      expect.stringMatching(new RegExp(`^::warning file=skills/ci\\.yaml,line=${lineOf(SKILL, 'warm')},title=aiw ci%3A step warm healed::healed after 2 attempts: cold → say$`)),
      expect.stringMatching(new RegExp(`^::warning file=skills/ci\\.yaml,line=${lineOf(SKILL, 'disk')},title=aiw ci%3A step checks/disk failed \\(tolerated\\)::exit code 3.*No space left on device`)),
    ]);
    for (const l of [...errors]) expect(l).toMatch(/^::(error|warning) (file=[^,:]+,line=\d+,title=[^,:]+)::[^\r]*$/);
  });

  it('wraps each step\'s lines in one balanced group and stops commands while printing outputs', async () => {
    const { lines } = await github();
    const groups = lines.filter((l) => l.startsWith('::group::'));
    expect(groups).toEqual(['::group::hello (tool)', '::group::warm (tool)', '::group::checks/disk (tool)', '::group::checks/optional (tool)', '::group::nested/inner (tool)', '::group::gate (tool)']);
    let open = false;
    for (const l of lines) {
      if (l.startsWith('::group::')) expect((open = !open)).toBe(true);
      if (l === '::endgroup::') expect((open = !open)).toBe(false);
    }
    expect(open).toBe(false);
    const token = lines.find((l) => l.startsWith('::stop-commands::'))!.slice('::stop-commands::'.length);
    expect(lines.indexOf('greeting: hi')).toBeGreaterThan(lines.indexOf(`::stop-commands::${token}`));
    expect(lines.indexOf(`::${token}::`)).toBeGreaterThan(lines.indexOf('greeting: hi'));
  });

  it('a partial run (a tolerated failure, exit 0) has no error annotation: the job stays green', async () => {
    const { code, lines } = await github();
    expect(code).toBe(0);
    expect(lines.filter((l) => l.startsWith('::error'))).toEqual([]);
    expect(lines.filter((l) => l.startsWith('::warning') && l.includes('checks/disk failed (tolerated)'))).toHaveLength(1);
  });

  it('appends a Markdown summary with the table of steps and the skill\'s report (its outputs)', async () => {
    const { summary } = await github();
    expect(summary).toMatch(/^## ⚠️ aiw run `ci`: partial\n/);
    expect(summary).toContain('| Step | Status | Duration | Attempts |');
    expect(summary).toMatch(/^\| `warm` \| 🩹 healed \| .+ \| 2 \|$/m);
    expect(summary).toMatch(/^\| `checks\/disk` \| ⚠️ failed, tolerated \| .+ \| 1 \|$/m);
    expect(summary).toContain('### Outputs\n\n**`greeting`**\n\n> hi\n');
    expect(summary).toContain('| `checks/optional` | ⏭️ skipped | – | – |');
    expect(summary).toContain('### Heals');
  });

  it('keeps stdout to the one JSON document with --json, sending commands to stderr', async () => {
    const { stdout, stderr } = await github(['--json']);
    expect(() => JSON.parse(stdout)).not.toThrow();
    expect(stdout).not.toContain('::');
    expect(stderr).toContain('::group::hello (tool)');
    expect(stderr).toContain('::warning file=skills/ci.yaml');
  });
});
