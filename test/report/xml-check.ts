/**
 * A small strict XML 1.0 reader for tests: it throws on anything that is not well-formed (bad
 * nesting, unquoted or duplicate attributes, bare `&` or `<`, unknown entities, characters XML 1.0
 * forbids, content after the root) and returns the element tree so tests can count testcases.
 */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Decoded character data directly inside this element. */
  text: string;
}

const ILLEGAL = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const NAME = /[A-Za-z_:][-A-Za-z0-9_:.]*/y;
const REF = /&(?:(lt|gt|amp|quot|apos)|#([0-9]+)|#x([0-9a-fA-F]+));/y;
const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function parseXml(doc: string): XmlElement {
  const bad = ILLEGAL.exec(doc);
  if (bad) throw new Error(`character U+${bad[0].codePointAt(0)!.toString(16)} not allowed in XML 1.0 at ${bad.index}`);
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`${why} at offset ${i}: ${JSON.stringify(doc.slice(i, i + 40))}`);
  };
  const name = (): string => {
    NAME.lastIndex = i;
    const m = NAME.exec(doc) ?? fail('expected a name');
    i = NAME.lastIndex;
    return m[0];
  };
  const space = () => {
    while (/[ \t\r\n]/.test(doc[i] ?? '')) i++;
  };
  // Reads character data up to `stop`, decoding references; a bare `&` or `<` is an error.
  const chars = (stop: RegExp): string => {
    let out = '';
    while (i < doc.length && !stop.test(doc[i]!)) {
      if (doc[i] === '&') {
        REF.lastIndex = i;
        const m = REF.exec(doc) ?? fail('bad entity reference');
        const ch = m[1] ? NAMED[m[1]]! : String.fromCodePoint(parseInt(m[2] ?? m[3]!, m[2] ? 10 : 16));
        if (ILLEGAL.test(ch)) fail('reference to a character XML 1.0 forbids');
        out += ch;
        i = REF.lastIndex;
      } else if (doc[i] === '<') {
        fail('bare <');
      } else {
        out += doc[i++];
      }
    }
    return out;
  };
  const misc = () => {
    for (;;) {
      space();
      if (doc.startsWith('<!--', i)) {
        const end = doc.indexOf('-->', i + 4);
        if (end < 0) fail('unclosed comment');
        i = end + 3;
      } else return;
    }
  };
  const element = (): XmlElement => {
    if (doc[i] !== '<') fail('expected <');
    i++;
    const el: XmlElement = { name: name(), attrs: {}, children: [], text: '' };
    for (;;) {
      const before = i;
      space();
      if (doc.startsWith('/>', i)) return ((i += 2), el);
      if (doc[i] === '>') break;
      if (i === before) fail('expected whitespace before an attribute');
      const key = name();
      if (key in el.attrs) fail(`duplicate attribute ${key}`);
      space();
      if (doc[i++] !== '=') fail('expected =');
      space();
      const quote = doc[i++];
      if (quote !== '"' && quote !== "'") fail('attribute value not quoted');
      el.attrs[key] = chars(quote === '"' ? /"/ : /'/);
      if (doc[i++] !== quote) fail('unterminated attribute');
    }
    i++;
    for (;;) {
      const from = i;
      el.text += chars(/</);
      if (doc.slice(from, i).includes(']]>')) fail(']]> in character data');
      if (i >= doc.length) fail(`unclosed <${el.name}>`);
      if (doc.startsWith('</', i)) {
        i += 2;
        if (name() !== el.name) fail(`mismatched end tag for <${el.name}>`);
        space();
        if (doc[i++] !== '>') fail('expected >');
        return el;
      }
      if (doc.startsWith('<!--', i)) misc();
      else el.children.push(element());
    }
  };
  if (doc.startsWith('<?xml', 0)) {
    const end = doc.indexOf('?>');
    if (end < 0) fail('unclosed XML declaration');
    i = end + 2;
  }
  misc();
  const root = element();
  misc();
  if (i !== doc.length) fail('content after the root element');
  return root;
}

/** Every descendant element with this name, in document order. */
export function findAll(el: XmlElement, name: string): XmlElement[] {
  return el.children.flatMap((c) => [...(c.name === name ? [c] : []), ...findAll(c, name)]);
}
