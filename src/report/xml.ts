/**
 * Just enough XML for a JUnit report: escaping, and removing what XML 1.0 cannot carry at all.
 * Tool output is arbitrary bytes (ANSI colour, NUL, stray control characters); one of those in a
 * report makes GitLab and Jenkins reject the whole file, so every string passes through here.
 */
import { REPLACEMENT, stripAnsi } from './terminal-text.js';

// Everything outside XML 1.0's Char production: C0 controls other than tab, LF and CR, lone
// surrogates, U+FFFE and U+FFFF.
const ILLEGAL = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Remove ANSI sequences and replace characters that XML 1.0 forbids. */
export function xmlSafe(text: string): string {
  return stripAnsi(text).replace(ILLEGAL, REPLACEMENT);
}

/** Escape character data (element content). CR is kept as a reference: parsers would fold CRLF. */
export function escapeText(text: string): string {
  return xmlSafe(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');
}

/**
 * Escape an attribute value. Tabs and line breaks become references because attribute-value
 * normalisation would otherwise turn them into spaces.
 */
export function escapeAttr(text: string): string {
  return escapeText(text).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\n/g, '&#10;').replace(/\t/g, '&#9;');
}

/** `name="value"` pairs for the defined entries, in the given order. */
export function attrs(values: Record<string, string | number | undefined>): string {
  return Object.entries(values)
    .filter((e): e is [string, string | number] => e[1] !== undefined)
    .map(([k, v]) => ` ${k}="${escapeAttr(String(v))}"`)
    .join('');
}

