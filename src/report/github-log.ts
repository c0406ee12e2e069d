import type { Writer } from './reporter.js';

const ZWSP = '\u200B';
// The runner reads a v2 command (`::name::`) at the start of a line after leading white space, and a
// v1 command (`##[name]`) anywhere in a line; it splits lines at CR as well as LF. .NET's white
// space includes NEL (U+0085), which JavaScript's \s does not.
const LINE_START_COMMAND = /(^|\r\n|\r|\n)([\s\u0085]*?)::/g;
const V1_COMMAND = /##\[/g;

/**
 * Data text made inert for the GitHub Actions runner and log viewer: a zero-width space goes
 * between the two colons of a line-leading `::` and between the hashes of `##[`. The text reads the
 * same to a person; no line of it can be a workflow command (`::warning::`, `::add-mask::`,
 * `::stop-commands::`, `##[set-output …]`) or an `##[error]` line in the viewer.
 */
export function neutraliseCommands(text: string, atLineStart = true): string {
  const v1 = neutraliseV1(text);
  // A v2 command needs `::`: a line without one (nearly every line) skips the regex.
  if (!v1.includes('::')) return v1;
  return v1.replace(LINE_START_COMMAND, (whole, brk: string, space: string, offset: number) =>
    offset === 0 && brk === '' && !atLineStart ? whole : `${brk}${space}:${ZWSP}:`);
}

/**
 * A writer for data on GitHub Actions: every chunk is neutralised, and whether a chunk starts a
 * line is remembered from the one before, so a line written in pieces is checked as one line.
 */
export function commandSafeWriter(out: Writer): Writer {
  let atLineStart = true;
  return {
    write(text: string) {
      if (!text) return;
      out.write(neutraliseCommands(text, atLineStart));
      // Still at a line's start when nothing but white space follows the chunk's last line break.
      const lastBreak = Math.max(text.lastIndexOf('\n'), text.lastIndexOf('\r'));
      atLineStart = (lastBreak >= 0 || atLineStart) && /^[\s\u0085]*$/.test(text.slice(lastBreak + 1));
    },
  };
}

/** Only the `##[` part: for text that stands inside aiw's own command, after its `::name::`. */
export function neutraliseV1(text: string): string {
  return text.includes('##[') ? text.replace(V1_COMMAND, `#${ZWSP}#[`) : text;
}

/** A JSON document for a GitHub log: `##[` can only stand inside a string, where `\u005b` is the same `[`. */
export function commandSafeJson(json: string): string {
  return json.replace(V1_COMMAND, '##\\u005b');
}
