import { describe, expect, it } from 'vitest';
import { attrs, escapeAttr, escapeText, xmlSafe } from '../../src/report/xml.js';
import { parseXml } from './xml-check.js';

describe('xml escaping', () => {
  it('escapes markup in text and keeps a CR as a reference', () => {
    expect(escapeText('a < b && c > d\r\n')).toBe('a &lt; b &amp;&amp; c &gt; d&#13;\n');
  });

  it('escapes quotes, tabs and line breaks in attributes so they survive normalisation', () => {
    const value = `say "hi" & 'bye'\n\tend`;
    expect(escapeAttr(value)).toBe('say &quot;hi&quot; &amp; &apos;bye&apos;&#10;&#9;end');
    expect(parseXml(`<a${attrs({ v: value })}/>`).attrs.v).toBe(value);
  });

  it('removes ANSI colour sequences whole and replaces characters XML 1.0 forbids', () => {
    expect(xmlSafe('\u001b[31mred\u001b[0m')).toBe('red');
    expect(xmlSafe('nul\u0000 bell\u0007 ff\u000c lone\ud800 ok\u{1F600}')).toBe('nul\uFFFD bell\uFFFD ff\uFFFD lone\uFFFD ok\u{1F600}');
    expect(xmlSafe('tab\tlf\ncr\r')).toBe('tab\tlf\ncr\r');
  });

  it('produces text any XML reader accepts, whatever the input bytes', () => {
    let nasty = '';
    for (let c = 0; c < 0x80; c++) nasty += String.fromCharCode(c);
    nasty += '\ud800\udc00\udfff\ufffe\uffff]]>';
    const doc = `<r${attrs({ a: nasty })}>${escapeText(nasty)}</r>`;
    expect(() => parseXml(doc)).not.toThrow();
  });

  it('leaves out undefined attributes and keeps the order given', () => {
    expect(attrs({ name: 'x', file: undefined, line: 3 })).toBe(' name="x" line="3"');
  });
});

describe('the test XML reader', () => {
  it.each([
    ['<a>', 'unclosed'],
    ['<a></b>', 'mismatched'],
    ['<a x=1/>', 'not quoted'],
    ['<a x="1" x="2"/>', 'duplicate'],
    ['<a>&nbsp;</a>', 'entity'],
    ['<a>&#0;</a>', 'forbids'],
    ['<a>\u0001</a>', 'not allowed'],
    ['<a/><b/>', 'after the root'],
    ['<a>x < y</a>', 'expected a name'],
    ['<a>x ]]> y</a>', ']]>'],
  ])('rejects %j', (doc, why) => {
    expect(() => parseXml(doc)).toThrow(why);
  });
});
