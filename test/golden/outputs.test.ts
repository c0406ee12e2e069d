import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Chalk } from 'chalk';
import ora from 'ora';
import { describe, expect, it } from 'vitest';
import { GithubReporter } from '../../src/report/github-reporter.js';
import { junitXml } from '../../src/report/junit-reporter.js';
import { PlainReporter, noPaint } from '../../src/report/plain-reporter.js';
import { StepLog } from '../../src/report/step-log.js';
import { TerminalReporter } from '../../src/report/terminal-reporter.js';
import { outputSink } from '../../src/report/output-sink.js';
import { aiw, tempRoot } from '../helpers/temp-root.js';
import { ROOT, replay, sampleRun, sink } from '../report/run-fixture.js';

/**
 * Golden files for what people read: a change to any human output shows up as a diff of a file
 * under test/golden/files/, reviewed like code. Update them all with one command: `npm run golden`.
 * Only what changes from run to run is normalised (elapsed times, random tokens, temp paths); escape
 * codes are shown as ␛ so a diff can be read.
 */
const golden = (name: string) => join(import.meta.dirname, 'files', name);

function normalise(text: string): string {
  return text
    .replaceAll('\u001b', '␛')
    .replace(/\[\s*\d+\.\d+s\]/g, '[  t.tts]')
    .replace(/::stop-commands::[0-9a-f-]{36}/g, '::stop-commands::<token>')
    .replace(/::[0-9a-f-]{36}::/g, '::<token>::');
}

/** Everything a reporter writes, through the same sink the CLI puts in front of stdout. */
function sinked(colour: boolean) {
  const out = sink();
  return { writer: outputSink(out, { colour }), text: out.text };
}

describe('golden outputs', () => {
  it('plain lines (CI and pipes)', async () => {
    const { writer, text } = sinked(false);
    await replay(new PlainReporter(writer, noPaint, { cwd: ROOT }));
    await expect(normalise(text())).toMatchFileSnapshot(golden('plain.txt'));
  });

  it('the terminal (colour, spinner lines as ora persists them)', async () => {
    const { writer, text } = sinked(true);
    // A real ora on a stream that is not a TTY: it prints each spinner's text once instead of animating.
    const stream = new Writable({ write: (chunk, _enc, done) => void (writer.write(String(chunk)), done()) }) as unknown as NodeJS.WriteStream;
    const chalk = new Chalk({ level: 1 });
    await replay(new TerminalReporter({ write: writer.write, stream }, chalk, (t) => ora({ text: t, stream, isEnabled: false }).start(), ROOT));
    await expect(normalise(text())).toMatchFileSnapshot(golden('terminal.txt'));
  });

  it('GitHub Actions: groups, annotations and the step summary', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aiw-golden-'));
    const summary = join(dir, 'summary.md');
    await writeFile(summary, '');
    const { writer, text } = sinked(false);
    await replay(new GithubReporter(writer, { GITHUB_ACTIONS: 'true', GITHUB_WORKSPACE: ROOT, GITHUB_STEP_SUMMARY: summary }, { log: new PlainReporter(writer, noPaint, { cwd: ROOT }) }));
    await expect(normalise(text())).toMatchFileSnapshot(golden('github-log.txt'));
    await expect(normalise(await readFile(summary, 'utf8'))).toMatchFileSnapshot(golden('github-summary.md'));
  });

  it('JUnit XML', async () => {
    const run = sampleRun();
    const log = new StepLog();
    for (const e of run.events) log.onEvent(e);
    const xml = junitXml(run.result, log, { timestamp: new Date('2026-01-02T03:04:05Z'), hostname: 'runner-1', cwd: ROOT });
    await expect(normalise(xml)).toMatchFileSnapshot(golden('junit.xml'));
  });

  it('aiw validate', async () => {
    const root = tempRoot({
      'tools/t.yaml': 'tools:\n  say:\n    command: [echo, "{{ message }}"]\n    params:\n      message: { type: string, required: true }\n',
      'skills/bad.yaml': [
        'name: bad',
        'inputs:',
        '  - { name: env, type: string }',
        'steps:',
        '  - name: first',
        '    tool: sya',
        '  - name: second',
        '    tool: say',
        '    args: { message: "cd {{ resolved_repo.path }}", extra: 1 }',
        '  - name: third',
        '    compute: "return (;"',
        '',
      ].join('\n'),
    });
    const r = await aiw(['validate'], { root: root.dir, cwd: root.dir });
    await expect(normalise(`exit ${r.code}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`)).toMatchFileSnapshot(golden('validate.txt'));
  });
});
