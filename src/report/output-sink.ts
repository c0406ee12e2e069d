import { redact, redactValue } from '../secrets/redact.js';

/**
 * The one door every byte aiw prints or writes into a report goes through. Two promises hold here,
 * whoever produced the text (a reporter, a command, a tool's stderr, a memory entry written by
 * someone else):
 * - secrets are masked (`secrets/redact.ts`); a JSON document is masked value by value, so masking
 *   can neither miss an escaped secret nor break the document;
 * - nothing but aiw's own colours reaches the terminal: cursor movement, window titles, clipboard
 *   writes (OSC 52), hidden text (SGR 8), C1 controls and lone carriage returns that would redraw a
 *   line are removed or made visible.
 */
export interface TextWriter {
  write(text: string): void;
}

export interface SinkOptions {
  /** Keep SGR colour sequences (aiw's own colours on a terminal); otherwise every escape goes. */
  colour: boolean;
}

// One pass over the text, so a colour kept for the terminal is not then taken for a stray ESC:
// ESC-introduced sequences (CSI with its parameters in group 1; OSC/DCS/SOS/PM/APC strings up to
// BEL, ST or the end of the line; two-character escapes), C1 controls (0x9b is an 8-bit CSI),
// CRLF and lone CR, and the other C0 controls but tab and line feed, and DEL.
const UNSAFE =
  // eslint-disable-next-line no-control-regex
  /\u001b\[([0-?]*)[ -/]*[@-~]|\u001b[\]PX^_][^\u0007\u001b\u009c\n]*(?:\u0007|\u001b\\|\u009c)?|\u001b[ -~]?|[\u0080-\u009f]|\r\n?|[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;
/** What a lone control character becomes: visible, so a reader knows something was there. */
const REPLACEMENT = '\uFFFD';

/** Colour and weight only: no conceal (8), no blink (5, 6), nothing that is not a plain SGR number list. */
function harmlessSgr(params: string): boolean {
  if (!/^[0-9;]*$/.test(params)) return false;
  return !params.split(';').some((p) => p === '5' || p === '6' || p === '8');
}

/** Text as it may be printed: masked, and free of control sequences (but aiw's colours, when asked). */
export function cleanText(text: string, options: SinkOptions = { colour: false }): string {
  return redact(text).replace(UNSAFE, (seq: string, csiParams: string | undefined) => {
    if (seq[0] === '\r') return '\n';
    if (seq[0] !== '\u001b' && seq.length === 1 && seq < '\u0080') return REPLACEMENT;
    return options.colour && csiParams !== undefined && seq.endsWith('m') && harmlessSgr(csiParams) ? seq : '';
  });
}

/** A whole JSON document (one write, as every `--json` command makes it): masked value by value. */
function jsonDocument(text: string): string | undefined {
  const body = text.endsWith('\n') ? text.slice(0, -1) : text;
  const first = body[0];
  const last = body[body.length - 1];
  if (!((first === '{' && last === '}') || (first === '[' && last === ']'))) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    // Not a document after all (a line of tool output that happens to start with a brace): text rules apply.
    return undefined;
  }
  const masked = JSON.stringify(redactValue(value));
  // Unchanged by masking: the writer's own text goes out as it was (a GitHub-safe `##\u005b` stays escaped).
  if (masked === JSON.stringify(value)) return text;
  return `${masked}${text.endsWith('\n') ? '\n' : ''}`;
}

/** Wrap a writer so that everything written to it goes through `cleanText` (or, for a JSON document, `redactValue`). */
export function outputSink<W extends TextWriter>(target: W, options: SinkOptions): W {
  const write = (text: string) => target.write(jsonDocument(text) ?? cleanText(text, options));
  // The target's other properties as they are: a getter (the process's stream, created on first use) stays one.
  return Object.defineProperties({}, { ...Object.getOwnPropertyDescriptors(target), write: { value: write, enumerable: true } }) as W;
}
