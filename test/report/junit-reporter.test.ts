import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/model/run.js';
import { JunitReporter } from '../../src/report/junit-reporter.js';
import { ROOT, replay, sampleRun } from './run-fixture.js';
import { findAll, parseXml, type XmlElement } from './xml-check.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aiw-junit-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function report(run = sampleRun(), file = join(dir, 'reports', 'deep', 'junit.xml')): Promise<{ xml: string; root: XmlElement }> {
  await replay(new JunitReporter(file, { cwd: ROOT, hostname: 'ci-host' }), run);
  const xml = await readFile(file, 'utf8');
  return { xml, root: parseXml(xml) };
}

const byName = (root: XmlElement) => Object.fromEntries(findAll(root, 'testcase').map((t) => [t.attrs.name, t]));

describe('JunitReporter', () => {
  it('writes one testcase per step, nested steps named parent/child, into a new directory', async () => {
    const { root } = await report();
    expect(root.name).toBe('testsuites');
    const names = findAll(root, 'testcase').map((t) => t.attrs.name);
    expect(names).toEqual(['prepare', 'fetch', 'block/inner', 'block/maybe', 'diagnose/probe']);
    const probe = byName(root)['diagnose/probe']!;
    expect(probe.attrs).toMatchObject({ classname: 'aiw.triage', file: 'skills/probe.yaml', line: '6', time: '0.007' });
  });

  it('counts tests, failures, skipped and errors on the suite and the root', async () => {
    const { root } = await report();
    const [suite] = findAll(root, 'testsuite');
    const counts = { tests: '5', failures: '1', skipped: '1', errors: '0', time: '1.400' };
    expect(suite!.attrs).toMatchObject({ name: 'triage', hostname: 'ci-host', ...counts });
    expect(root.attrs).toMatchObject(counts);
    expect(suite!.attrs.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
  });

  it('gives a failed step its first error line as message and the whole error with known-issue hints as body', async () => {
    const { root } = await report();
    const [failure] = findAll(byName(root)['block/inner']!, 'failure');
    expect(failure!.attrs.message).toBe('exit code 3: <boom> & "quotes"');
    expect(failure!.attrs.type).toBe('network');
    expect(failure!.text).toContain('second line with password=***');
    expect(failure!.text).not.toContain('hunter2secret');
    expect(failure!.text).toContain('nul\uFFFD and red');
    expect(failure!.text).toContain("classified as network (matched 'boom')");
    expect(failure!.text).toContain('meaning: the cluster is down');
    expect(failure!.text).toContain('fix: wait, then rerun');
  });

  it('marks skipped steps skipped and puts heals and retries in system-out', async () => {
    const { root } = await report();
    expect(findAll(byName(root)['block/maybe']!, 'skipped')).toHaveLength(1);
    const [out] = findAll(byName(root).fetch!, 'system-out');
    const lines = out!.text.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^\[\+\d+\.\d\ds\] attempt 1\/3 of kubectl_get_pods failed \[auth_expired: matched 'must be logged in'\]: error: You must be logged in$/);
    expect(lines[1]).toMatch(/heal auth_expired → kube_login \(profile\): fixed$/);
    expect(lines[2]).toMatch(/retry kubectl_get_pods: attempt 2\/3 after 200 ms$/);
    expect(byName(root).prepare!.children).toEqual([]);
  });

  it('adds a failing (run) testcase when the run failed outside any step', async () => {
    const run = sampleRun();
    const inner = (run.result.steps[2]!.steps![0]!);
    inner.status = 'success';
    delete inner.error;
    const result: RunResult = { ...run.result, status: 'failed', error: { code: 'SKILL_FAILED', message: "output 'report' failed: x is not defined" } };
    run.result = result;
    const { root } = await report(run);
    const cases = findAll(root, 'testcase');
    expect(cases.at(-1)!.attrs.name).toBe('(run)');
    expect(findAll(cases.at(-1)!, 'failure')[0]!.attrs.message).toBe("output 'report' failed: x is not defined");
    expect(root.attrs).toMatchObject({ tests: '6', failures: '1' });
  });

  it('reports a container step whose failure no inner step explains', async () => {
    const run = sampleRun();
    const diagnose = run.result.steps[3]!;
    Object.assign(diagnose, { status: 'failed', error: "unknown skill 'probe'", steps: undefined });
    const { root } = await report(run);
    expect(findAll(byName(root).diagnose!, 'failure')[0]!.attrs.type).toBe('skill-step-failed');
  });

  it('replaces the file in one step, leaving no temporary file behind', async () => {
    const file = join(dir, 'junit.xml');
    await writeFile(file, 'old');
    await report(sampleRun(), file);
    expect(await readdir(dir)).toEqual(['junit.xml']);
  });

  it('fails with a usage error naming the file when it cannot be written', async () => {
    const blocker = join(dir, 'not-a-dir');
    await writeFile(blocker, '');
    await expect(replay(new JunitReporter(join(blocker, 'junit.xml')))).rejects.toMatchObject({ code: 'USAGE', message: expect.stringContaining('cannot write the JUnit report') });
  });
});
