import { describe, expect, it } from 'vitest';
import { PlainReporter, noPaint } from '../../src/report/plain-reporter.js';
import { printable, stripAnsi } from '../../src/report/terminal-text.js';
import { replay, sampleRun, sink } from './run-fixture.js';

describe('text from tools in logs', () => {
  it('loses ANSI colour, cursor and title sequences whole', () => {
    expect(stripAnsi('\u001b[1;31mred\u001b[0m \u001b[2K\u001b[1Gline \u001b]0;title\u0007done')).toBe('red line done');
  });

  it('turns carriage returns into line breaks and other control characters into a visible mark', () => {
    expect(printable('a\r\nb\rc\u0000d\u0008e\tf')).toBe('a\nb\nc\uFFFDd\uFFFDe\tf');
  });
});

describe('PlainReporter without colour', () => {
  it('writes no escape codes, even those in a tool\'s error or output', async () => {
    const out = sink();
    const run = sampleRun();
    run.result.outputs = { coloured: '\u001b[32mgreen\u001b[0m' };
    await replay(new PlainReporter(out, noPaint), run);
    // eslint-disable-next-line no-control-regex
    expect(out.text()).not.toMatch(/\u001b/);
    expect(out.text()).toContain('coloured: green');
    expect(out.text()).toMatch(/^\[ +\d+\.\d\ds\] {7}second line with password=\*\*\* nul\uFFFD and red$/m);
  });

  it('writes one line per event, each with the elapsed time', async () => {
    const out = sink();
    const reporter = new PlainReporter(out);
    for (const e of sampleRun().events) reporter.onEvent(e);
    const lines = out.text().trimEnd().split('\n');
    expect(lines.every((l) => /^\[ +\d+\.\d\ds\] /.test(l))).toBe(true);
  });
});
