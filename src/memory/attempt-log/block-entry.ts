/**
 * The seed's attempt log (and hand-edited ones) writes each entry as a small block mapping:
 *
 *     - tool: kubectl_get_pods
 *       error: "No route to host"
 *       success: true
 *
 * Handing each to the YAML parser costs ~50 times more than reading it here, which made `memory
 * stats` on a 50 MB seed log take minutes. This reads only the plainest form: one `key: value` per
 * line at the entry's indentation, values that are double-quoted (JSON escapes), single-quoted,
 * true/false/null, small integers or plain words. Anything else returns undefined and the caller
 * asks the YAML parser, so the result is always what `yaml` would give.
 */
const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const INT = /^(?:0|-?[1-9][0-9]{0,14})$/;
// No leading indicator, no ": " or " #", no trailing space: read as the same string by any YAML parser.
const WORD = /^[A-Za-z_/][A-Za-z0-9_./@+-]*(?: [A-Za-z0-9_./@+()-]+)*$/;
const SPECIAL = /^(?:true|false|null|True|False|Null|TRUE|FALSE|NULL|y|n|yes|no|on|off)$/i;
const NOT_PARSED = Symbol('not parsed');

export function readBlockEntry(lines: readonly string[], from: number, to: number, indent: number): Record<string, unknown> | undefined {
  const entry: Record<string, unknown> = {};
  for (let i = from; i < to; i++) {
    const line = lines[i] as string;
    if (i === from) {
      if (!pair(line, indent + 2, entry)) return undefined;
      continue;
    }
    if (line.trim() === '') continue;
    // Every later line at exactly the first key's column: anything else (nested, a comment) goes to yaml.
    for (let c = 0; c < indent + 2; c++) if (line.charCodeAt(c) !== 32) return undefined;
    if (!pair(line, indent + 2, entry)) return undefined;
  }
  return entry;
}

/** Read `key: value` starting at column `at` into `entry`; false when it is not the plain form. */
function pair(line: string, at: number, entry: Record<string, unknown>): boolean {
  const colon = line.indexOf(': ', at);
  if (colon < 0) return false;
  const key = line.slice(at, colon);
  if (!KEY.test(key) || Object.hasOwn(entry, key)) return false;
  const value = scalar(line.slice(colon + 2));
  if (value === NOT_PARSED) return false;
  entry[key] = value;
  return true;
}

function scalar(text: string): unknown {
  if (text.length === 0 || text.endsWith(' ')) return NOT_PARSED;
  const first = text.charCodeAt(0);
  if (first === 34 /* " */) {
    if (text.length < 2 || !text.endsWith('"')) return NOT_PARSED;
    try {
      return JSON.parse(text) as string;
    } catch {
      // A YAML-only escape (\x41, \e) or a raw tab: the YAML parser reads it.
      return NOT_PARSED;
    }
  }
  if (first === 39 /* ' */) {
    if (text.length < 2 || !text.endsWith("'")) return NOT_PARSED;
    const inner = text.slice(1, -1);
    if (inner.replaceAll("''", '').includes("'")) return NOT_PARSED;
    return inner.replaceAll("''", "'");
  }
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (text === 'null' || text === '~') return null;
  if (INT.test(text)) return Number(text);
  if (WORD.test(text) && !SPECIAL.test(text)) return text;
  return NOT_PARSED;
}
