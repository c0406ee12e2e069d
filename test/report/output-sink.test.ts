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

describe('the output sink, on every byte value', () => {
  it('replaces, removes or keeps each of the 256 first code points exactly as the escape rules say', () => {
    for (let c = 0; c < 256; c++) {
      const ch = String.fromCharCode(c);
      const expected =
        ch === '\t' || ch === '\n' || (c >= 0x20 && c < 0x7f) || c >= 0xa0 ? `a${ch}b`
          : ch === '\r' ? 'a\nb'
          : c === 0x1b ? 'a' // ESC takes the next printable character with it
          : c >= 0x80 ? 'ab' // C1 controls go
          : 'a\uFFFDb'; // other C0 controls and DEL become visible
      expect({ c, out: cleanText(`a${ch}b`) }).toEqual({ c, out: expected });
    }
  });

  it('writes a JSON document without secrets byte for byte, escapes and spacing kept', () => {
    const s = sink(false);
    const text = '{ "a": "##\\u005b", "b": [1, 2.50, {"c": null}] }\n';
    s.write(text);
    expect(s.text()).toBe(text);
  });

  it('masks strings in arrays and nested objects of a JSON document, and leaves keys and other values as they are', () => {
    const s = sink(false);
    s.write(`${JSON.stringify({ list: ['ok', 'token=abcdefgh12345', { deep: ['Bearer abcdefghijklmnop'] }], n: 1.5, b: true, z: null })}\n`);
    expect(JSON.parse(s.text())).toEqual({ list: ['ok', 'token=***', { deep: ['Bearer ***'] }], n: 1.5, b: true, z: null });
  });
});
