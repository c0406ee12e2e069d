/**
 * Tool output is arbitrary bytes: colour codes, cursor movement, NUL, carriage returns. Written as
 * is into a CI log, an annotation or a report, they garble it (or colour a log that asked for no
 * colour), so text that came from a tool passes through here first.
 */

/** ANSI escape sequences: CSI (colour, cursor movement), OSC (titles, links) and two-character escapes. */
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)|[@-Z\\-_])/g;

// C0 controls other than tab and line feed, and DEL; CR is handled apart (see printable).
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/g;

/** What a lone control character becomes: visible, so a reader knows something was there. */
export const REPLACEMENT = '\uFFFD';

/** Remove ANSI escape sequences whole (replacing only the ESC would leave `[31m` behind). */
export function stripAnsi(text: string): string {
  // Every sequence starts with ESC: a line without one (nearly every line) skips the regex.
  return text.includes('\u001b') ? text.replace(ANSI, '') : text;
}

/**
 * Text safe for a log line: no ANSI sequences, CRLF as LF, a carriage return used to redraw a
 * progress line as a line break, and any other control character replaced.
 */
export function printable(text: string): string {
  return stripAnsi(text).replace(/\r\n/g, '\n').replace(/\r/g, '\n').replace(CONTROL, REPLACEMENT);
}
