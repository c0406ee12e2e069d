import type { FailureStats, StatsBucket } from './stats.js';

// The terminal view stays short; `--json` has every day and week.
const MAX_DAYS = 14;
const MAX_WEEKS = 12;
const MAX_ROWS = 20;

/** A readable plain-text view of the stats for a terminal or a CI log (no colour, no width probing). */
export function formatStatsText(stats: FailureStats): string {
  const t = stats.totals;
  if (stats.entries === 0) return 'No heal attempts on record yet.\n';
  const out: string[] = [];
  const span = stats.first && stats.last ? `, ${stats.first.slice(0, 10)} to ${stats.last.slice(0, 10)}` : '';
  out.push(`Attempt log: ${count(stats.entries)} entries${span}`);
  out.push(`  attempts      ${pad(count(t.attempts), 8)}  failed ${count(t.failures)}`);
  out.push(`  fixes run     ${pad(count(t.fixes_run), 8)}  succeeded ${count(t.fixes_succeeded)}`);
  out.push(`  failed calls  ${pad(count(t.failed_calls), 8)}  healed ${count(t.calls_healed)} (${percent(t.auto_fixed_rate)} auto-fixed)`);
  if (stats.interrupted) out.push(`  interrupted   ${pad(count(stats.interrupted), 8)}  (Ctrl-C or SIGTERM; not counted as failures)`);
  table(out, 'By tool', stats.by_tool.map((r) => [r.tool, r]), MAX_ROWS, 'more tools');
  table(out, 'By failure class', stats.by_class.map((r) => [r.class, r]), MAX_ROWS, 'more classes');
  table(out, 'By day', stats.by_day.map((r) => [r.day, r]), MAX_DAYS, 'earlier days', true);
  table(out, 'By ISO week', stats.by_week.map((r) => [r.week, r]), MAX_WEEKS, 'earlier weeks', true);
  return `${out.join('\n')}\n`;
}

function table(out: string[], title: string, rows: Array<[string, StatsBucket]>, max: number, rest: string, latest = false): void {
  if (rows.length === 0) return;
  const shown = latest ? rows.slice(-max) : rows.slice(0, max);
  const width = Math.max(title.length, ...shown.map(([name]) => name.length));
  out.push('');
  out.push(`${title.padEnd(width + 2)}${pad('attempts', 9)}${pad('failed calls', 14)}${pad('healed', 8)}${pad('auto-fixed', 12)}`);
  if (latest && rows.length > max) out.push(`  (${rows.length - max} ${rest} in --json)`);
  for (const [name, b] of shown) {
    out.push(`  ${name.padEnd(width)}${pad(count(b.attempts), 9)}${pad(count(b.failed_calls), 14)}${pad(count(b.calls_healed), 8)}${pad(percent(b.auto_fixed_rate), 12)}`);
  }
  if (!latest && rows.length > max) out.push(`  (${rows.length - max} ${rest} in --json)`);
}

function pad(text: string, width: number): string {
  return text.padStart(width);
}

/** `n.toLocaleString('en-US')` for the whole counts shown here, without ICU's cost per number. */
export function count(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0) return n.toLocaleString('en-US');
  const digits = String(n);
  let out = digits.slice(0, ((digits.length - 1) % 3) + 1);
  for (let i = out.length; i < digits.length; i += 3) out += `,${digits.slice(i, i + 3)}`;
  return out;
}

function percent(rate: number | null): string {
  return rate === null ? '-' : `${(rate * 100).toFixed(1)}%`;
}
