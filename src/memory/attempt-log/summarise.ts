import type { LogWarning } from './scan.js';

/** Warnings of one kind shown one by one before they are counted instead. */
const SHOWN_PER_KIND = 3;
/** Kinds shown at most; a log broken in more ways than this gets one line for the rest. */
const MAX_KINDS = 50;

/**
 * A log of 200,000 entries without a timestamp would print 200,000 warnings (and once overflowed
 * the stack of `push(...warnings)`). Keep the first few of each message, then one line that counts
 * the rest: "199,997 more entries like this: entry skipped: missing "timestamp" (…, first at file:line:col)".
 */
export function summariseWarnings(warnings: readonly LogWarning[]): LogWarning[] {
  const summary = new WarningSummary();
  for (const warning of warnings) summary.add(warning);
  return summary.list();
}

/** The same, one warning at a time: memory stays bounded however many warnings a log has. */
export class WarningSummary {
  private readonly kinds = new Map<string, { first: LogWarning; count: number }>();
  private readonly shown: LogWarning[] = [];
  private dropped = 0;
  private firstDropped: LogWarning | undefined;

  add(warning: LogWarning): void {
    const kind = this.kinds.get(warning.message);
    if (kind) {
      kind.count++;
      if (kind.count <= SHOWN_PER_KIND) this.shown.push(warning);
    } else if (this.kinds.size < MAX_KINDS) {
      this.kinds.set(warning.message, { first: warning, count: 1 });
      this.shown.push(warning);
    } else {
      this.firstDropped ??= warning;
      this.dropped++;
    }
  }

  list(): LogWarning[] {
    const out = [...this.shown];
    for (const [message, { first, count }] of this.kinds) {
      if (count <= SHOWN_PER_KIND) continue;
      const more = count - SHOWN_PER_KIND;
      out.push({ ...first, message: `${more.toLocaleString('en-US')} more entries like this: ${message} (${count.toLocaleString('en-US')} in all, first at ${first.file}:${first.line}:${first.col})` });
    }
    if (this.firstDropped) {
      out.push({ ...this.firstDropped, message: `${this.dropped.toLocaleString('en-US')} more warnings of other kinds not shown (the first is here); run \`aiw validate\` after fixing the ones above` });
    }
    return out;
  }
}
