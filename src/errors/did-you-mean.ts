/** Up to three candidates close to `name` (edit distance, substrings favoured), for did-you-mean hints. */
export function closestNames(name: string, candidates: string[]): string[] {
  const lower = name.toLowerCase();
  return candidates
    .map((c) => ({ c, d: distance(lower, c.toLowerCase()) - (c.toLowerCase().includes(lower) || lower.includes(c.toLowerCase()) ? 3 : 0) }))
    .filter((x) => x.d <= Math.max(3, Math.floor(name.length / 2)))
    .sort((a, b) => a.d - b.d || a.c.localeCompare(b.c))
    .slice(0, 3)
    .map((x) => x.c);
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
