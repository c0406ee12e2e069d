import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GithubReporter, escapeData, escapeProperty, workflowCommand } from '../../src/report/github-reporter.js';
import { PlainReporter } from '../../src/report/plain-reporter.js';
import { ROOT, replay, sampleRun, sink } from './run-fixture.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aiw-gh-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs the sample through a GitHub reporter driving a plain reporter, as `aiw run` does on Actions. */
async function onActions(env: NodeJS.ProcessEnv = {}, run = sampleRun()) {
  const out = sink();
  const summary = join(dir, 'summary.md');
  await writeFile(summary, '# earlier content\n');
  const reporter = new GithubReporter(out, { GITHUB_ACTIONS: 'true', GITHUB_WORKSPACE: ROOT, GITHUB_STEP_SUMMARY: summary, ...env }, { log: new PlainReporter(out) });
  await replay(reporter, run);
  return { lines: out.text().split('\n'), summary: await readFile(summary, 'utf8') };
}

describe('workflow command escaping', () => {
  it('escapes %, CR and LF in data, and also : and , in properties', () => {
    expect(escapeData('50% done\r\nnext: a,b')).toBe('50%25 done%0D%0Anext: a,b');
    expect(escapeProperty('C:\\x,y%\n')).toBe('C%3A\\x%2Cy%25%0A');
  });

  it('builds one line with redacted properties and message', () => {
    const line = workflowCommand('error', { file: 'a,b.yaml', line: 3, title: 'x: y', col: undefined }, 'token=abcdef123 failed\nagain');
    expect(line).toBe('::error file=a%2Cb.yaml,line=3,title=x%3A y::token=*** failed%0Aagain\n');
  });
});

describe('GithubReporter', () => {
  it('opens a group before a step\'s first line and closes it before its result line', async () => {
    const { lines } = await onActions();
    const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
    expect(lines[at(/▶ prepare \(compute\)/) - 1]).toBe('::group::prepare (compute)');
    expect(lines[at(/✔ prepare success/) - 1]).toBe('::endgroup::');
    expect(lines[at(/▶ inner \(tool\)/) - 1]).toBe('::group::block/inner (tool)');
    expect(lines[at(/▶ probe \(tool\)/) - 1]).toBe('::group::diagnose/probe (tool)');
    // Groups never nest: then blocks and skill steps get none.
    expect(lines.filter((l) => l.startsWith('::group::'))).toHaveLength(5);
    expect(lines.filter((l) => l === '::endgroup::')).toHaveLength(5);
    let open = false;
    for (const l of lines) {
      if (l.startsWith('::group::')) expect((open = !open)).toBe(true);
      if (l === '::endgroup::') expect((open = !open)).toBe(false);
    }
  });

  it('annotates the failing step at its line with the error and the known-issue hints', async () => {
    const { lines } = await onActions();
    const errors = lines.filter((l) => l.startsWith('::error '));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^::error file=skills\/triage\.yaml,line=16,title=aiw triage%3A step block\/inner failed::exit code 3: <boom> & "quotes"%0Asecond line with password=\*\*\* nul/);
    expect(errors[0]).toContain('%0A%0A💡 Known Issues Found!%0A- Known pattern: pattern `boom`%0A    meaning: the cluster is down');
    expect(errors[0]).not.toMatch(/[\r\n]/);
  });

  it('warns about a healed step at its line', async () => {
    const { lines } = await onActions();
    expect(lines.filter((l) => l.startsWith('::warning '))).toEqual([
      '::warning file=skills/triage.yaml,line=9,title=aiw triage%3A step fetch healed::healed after 2 attempts: auth_expired → kube_login',
    ]);
  });

  it('stops workflow commands while the outputs are printed, and resumes them', async () => {
    const run = sampleRun();
    run.result.outputs = { report: 'line one\n::error::forged by a tool\nline three' };
    const { lines } = await onActions({}, run);
    const stop = lines.findIndex((l) => l.startsWith('::stop-commands::'));
    const token = lines[stop]!.slice('::stop-commands::'.length);
    expect(token).toMatch(/^[0-9a-f-]{36}$/);
    const forged = lines.indexOf('::error::forged by a tool');
    expect(forged).toBeGreaterThan(stop);
    expect(lines.indexOf(`::${token}::`)).toBeGreaterThan(forged);
  });

  it('appends a Markdown summary with the steps, heals and known issues', async () => {
    const { summary } = await onActions();
    expect(summary.startsWith('# earlier content\n## ⚠️ aiw run `triage`: partial')).toBe(true);
    expect(summary).toContain('| Step | Status | Duration | Attempts |\n| --- | --- | ---: | ---: |\n');
    expect(summary).toContain('| `fetch` | 🩹 healed | 1.25 s | 2 |');
    expect(summary).toContain('| `block/inner` | ❌ failed | 40 ms | 1 |');
    expect(summary).toContain('| `block/maybe` | ⏭️ skipped | – | – |');
    expect(summary).toContain('| `diagnose/probe` | ✅ success | 7 ms | 1 |');
    expect(summary).toContain('**`block/inner`** at `skills/triage.yaml:16`, classified as `network`');
    expect(summary).toContain('- `fetch`: `auth_expired` → `kube_login` (profile): fixed');
    expect(summary).toContain('  - meaning: the cluster is down');
    expect(summary).not.toContain('hunter2secret');
  });

  it('annotates a run that failed outside any step at the skill file', async () => {
    const run = sampleRun();
    run.result.steps[2]!.steps![0]!.status = 'success';
    run.result = { ...run.result, status: 'failed', error: { code: 'INTERRUPTED', message: 'interrupted by SIGTERM' } };
    const { lines } = await onActions({}, run);
    expect(lines).toContain('::error file=skills/triage.yaml,title=aiw triage failed::interrupted by SIGTERM');
  });

  it('says so in the log when the summary cannot be written, and still finishes', async () => {
    const out = sink();
    const reporter = new GithubReporter(out, { GITHUB_STEP_SUMMARY: join(dir, 'missing', 'summary.md'), GITHUB_WORKSPACE: ROOT });
    await replay(reporter);
    expect(out.text()).toMatch(/^::warning title=aiw::could not append the step summary to \S*missing\/summary\.md: ENOENT/m);
  });
});
