import { redact, redactorFor } from '../secrets/redact.js';

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

// Every match of UNSAFE starts with one of these; a line without any (nearly every line) is left as is.
// eslint-disable-next-line no-control-regex
const UNSAFE_START = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

/** Text as it may be printed: masked, and free of control sequences (but aiw's colours, when asked). */
export function cleanText(text: string, options: SinkOptions = { colour: false }): string {
  const masked = redact(text);
  if (!UNSAFE_START.test(masked)) return masked;
  return masked.replace(UNSAFE, (seq: string, csiParams: string | undefined) => {
    if (seq[0] === '\r') return '\n';
    if (seq[0] !== '\u001b' && seq.length === 1 && seq < '\u0080') return REPLACEMENT;
    return options.colour && csiParams !== undefined && seq.endsWith('m') && harmlessSgr(csiParams) ? seq : '';
  });
}

/**
 * Masks every string inside a value that JSON.parse just made (so it is ours to change), in place;
 * whether any changed. Unlike a masked copy, nothing is allocated for a document without secrets.
 */
function maskParsed(value: unknown, mask: (text: string) => string): boolean {
  if (!value || typeof value !== 'object') return false;
  // An array's keys are its indexes: one walk serves arrays and objects alike.
  const holder = value as Record<string, unknown>;
  let changed = false;
  for (const k of Object.keys(holder)) {
    const v = holder[k];
    if (typeof v === 'string') {
      const masked = mask(v);
      if (masked !== v) {
        holder[k] = masked;
        changed = true;
      }
    } else if (maskParsed(v, mask)) changed = true;
  }
  return changed;
}

/** The strings inside a value JSON.parse made (the values `maskParsed` would mask), into `out`. */
function stringsOf(value: unknown, out: string[]): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) stringsOf(v, out);
  else if (value && typeof value === 'object') for (const k of Object.keys(value)) stringsOf((value as Record<string, unknown>)[k], out);
  return out;
}

/** A whole JSON document (one write, as every `--json` command makes it): masked value by value. */
function jsonDocument(text: string): string | undefined {
  const newline = text.endsWith('\n');
  const first = text[0];
  const last = text[text.length - (newline ? 2 : 1)];
  if (!((first === '{' && last === '}') || (first === '[' && last === ']'))) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(newline ? text.slice(0, -1) : text);
  } catch {
    // Not a document after all (a line of tool output that happens to start with a brace): text rules apply.
    return undefined;
  }
  // Unchanged by masking: the writer's own text goes out as it was (a GitHub-safe `##\u005b` stays escaped).
  // One scan of all its strings first: most documents hold no secret, and masking a known-issues
  // answer of 20 matches string by string cost ~2.5 ms.
  const mask = redactorFor(stringsOf(value, []));
  if (!mask || !maskParsed(value, mask)) return text;
  return `${JSON.stringify(value)}${newline ? '\n' : ''}`;
}

/** Wrap a writer so that everything written to it goes through `cleanText` (or, for a JSON document, value by value). */
export function outputSink<W extends TextWriter>(target: W, options: SinkOptions): W {
  const write = (text: string) => target.write(jsonDocument(text) ?? cleanText(text, options));
  // The target's other properties as they are: a getter (the process's stream, created on first use) stays one.
  return Object.defineProperties({}, { ...Object.getOwnPropertyDescriptors(target), write: { value: write, enumerable: true } }) as W;
}
