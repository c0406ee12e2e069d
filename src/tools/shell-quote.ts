/** Quote for a POSIX shell: bare when only safe characters, else single quotes. */
export function shellQuote(s: string): string {
  if (s !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

type QuoteState = 'none' | 'single' | 'double';

/** Where a shell line written so far leaves the next character: outside quotes, in '…' or in "…". */
export function quoteStateAt(text: string): QuoteState {
  let state: QuoteState = 'none';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (state === 'single') {
      if (c === "'") state = 'none';
    } else if (c === '\\') i++;
    else if (state === 'double') {
      if (c === '"') state = 'none';
    } else if (c === "'") state = 'single';
    else if (c === '"') state = 'double';
  }
  return state;
}

/**
 * A template value made into shell text that the shell reads back as exactly that value, in the
 * quoting context where it lands: outside quotes one word (a list: one word per item; null or
 * empty: nothing), inside "…" with `$`, `` ` ``, `"` and `\` escaped, inside '…' with `'` closed and
 * reopened. `$(…)`, backticks, `;`, `|` and globs in a value are text, never shell syntax.
 */
export function shellWord(value: unknown, state: QuoteState): string {
  if (Array.isArray(value)) return value.map((v) => shellWord(v, state)).join(' ');
  const text = value === null || value === undefined ? '' : typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (state === 'single') return text.replace(/'/g, `'\\''`);
  if (state === 'double') return text.replace(/[$`"\\]/g, (c) => `\\${c}`);
  return text === '' ? '' : shellQuote(text);
}
