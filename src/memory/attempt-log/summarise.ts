import type { LogWarning } from './scan.js';

/** Warnings of one kind shown one by one before they are counted instead. */
const SHOWN_PER_KIND = 3;
/** Kinds shown at most; a log broken in more ways than this gets one line for the rest. */
const MAX_KINDS = 50;

/**
 * A log of 200,000 entries without a timestamp would print 200,000 warnings (and once overflowed
 * the stack of `push(...warnings)`). Keep the first few of each message, then one line that counts
 * the rest: "12,345 more: entry skipped: missing "timestamp" (first at file:line:col)".
 */
export function summariseWarnings(warnings: readonly LogWarning[]): LogWarning[] {
  if (warnings.length <= SHOWN_PER_KIND) return [...warnings];
  const kinds = new Map<string, { first: LogWarning; count: number }>();
  const shown: LogWarning[] = [];
  let dropped = 0;
  for (const warning of warnings) {
    const kind = kinds.get(warning.message);
    if (kind) {
      kind.count++;
      if (kind.count <= SHOWN_PER_KIND) shown.push(warning);
    } else if (kinds.size < MAX_KINDS) {
      kinds.set(warning.message, { first: warning, count: 1 });
      shown.push(warning);
    } else {
      dropped++;
    }
  }
  for (const [message, { first, count }] of kinds) {
    if (count <= SHOWN_PER_KIND) continue;
    const more = count - SHOWN_PER_KIND;
    shown.push({ ...first, message: `${more.toLocaleString('en-US')} more entries like this: ${message} (${count.toLocaleString('en-US')} in all, first at ${first.file}:${first.line}:${first.col})` });
  }
  if (dropped > 0) {
    const first = warnings[0] as LogWarning;
    shown.push({ file: first.file, line: 1, col: 1, message: `${dropped.toLocaleString('en-US')} more warnings of ${MAX_KINDS}+ other kinds not shown; run \`aiw validate\` after fixing the ones above` });
  }
  return shown;
}
