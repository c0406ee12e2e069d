import { describe, expect, it } from 'vitest';
import { cleanText, outputSink } from '../../src/report/output-sink.js';
import { addSecrets } from '../../src/secrets/redact.js';

const ESC = '\u001b';

function sink(colour: boolean) {
  let out = '';
  const w = outputSink({ write: (t: string) => void (out += t) }, { colour });
  return { write: (t: string) => w.write(t), text: () => out };
}

describe('the output sink', () => {
  it('masks secrets in every line it is given', () => {
    const s = sink(false);
    s.write('curl -H "Authorization: Bearer abcdefghijklmnop1234" https://x\n');
    expect(s.text()).not.toContain('abcdefghijklmnop1234');
    expect(s.text()).toContain('***');
  });

  it("keeps aiw's own colours on a colour terminal, and drops every other escape", () => {
    const text = `${ESC}[31mred${ESC}[39m ${ESC}]0;owned${ESC}\\ ${ESC}]52;c;ZXZpbA==\u0007 ${ESC}[8mhidden${ESC}[0m ${ESC}[2J${ESC}[H ${ESC}Pdcs${ESC}\\ \u009b31m`;
    expect(cleanText(text, { colour: true })).toBe(`${ESC}[31mred${ESC}[39m   hidden${ESC}[0m   31m`);
  });

  it('drops colours too when there is no colour terminal', () => {
    expect(cleanText(`${ESC}[1;32mok${ESC}[0m`, { colour: false })).toBe('ok');
  });

  it('turns a carriage return into a line break, so tool output cannot overwrite a line, and shows other control bytes', () => {
    expect(cleanText('progress 10%\rprogress 100%\r\ndone\u0000\u0007', { colour: false })).toBe('progress 10%\nprogress 100%\ndone\uFFFD\uFFFD');
  });

  it('masks a JSON document value by value, so an escaped secret is found and the document stays valid', () => {
    addSecrets(['pa"ss\\word-42']);
    const s = sink(false);
    s.write(`${JSON.stringify({ error: 'login failed for pa"ss\\word-42', note: 'password=hunter2hunter2' })}\n`);
    const doc = JSON.parse(s.text()) as { error: string; note: string };
    expect(doc.error).toBe('login failed for ***');
    expect(doc.note).not.toContain('hunter2hunter2');
  });

  it('treats a line that only looks like JSON as text', () => {
    expect(cleanText('{not json} token=abcdefgh12345')).toBe('{not json} token=***');
    const s = sink(false);
    s.write('{not json} token=abcdefgh12345\n');
    expect(s.text()).toBe('{not json} token=***\n');
  });
});
