import type { KnownIssueMatch } from '../model/run.js';

/**
 * Remembers which known issues a run has already shown. A run where nothing is reachable meets the
 * same "connection refused" in every step: the fix is printed in full the first time, and later
 * steps only point back to it.
 */
export class KnownIssueMemo {
  private readonly shown = new Set<string>();

  /** The matches not shown yet (marked as shown now), and how many were shown before. */
  take(matches: KnownIssueMatch[]): { fresh: KnownIssueMatch[]; repeated: KnownIssueMatch[] } {
    const fresh: KnownIssueMatch[] = [];
    const repeated: KnownIssueMatch[] = [];
    for (const m of matches) {
      const key = `${m.source}\u0000${m.tool_name ?? ''}\u0000${m.category ?? ''}\u0000${m.pattern ?? ''}`;
      if (this.shown.has(key)) repeated.push(m);
      else {
        this.shown.add(key);
        fresh.push(m);
      }
    }
    return { fresh, repeated };
  }
}

/** The one line that stands for known issues already shown in full earlier in the run. */
export function repeatedIssuesLine(repeated: KnownIssueMatch[]): string {
  const names = repeated.map((m) => `\`${m.pattern ?? '?'}\``).join(', ');
  return `💡 same known issue${repeated.length === 1 ? '' : 's'} as above: ${names}`;
}
