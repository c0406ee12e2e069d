import type { LoggedFailure } from '../memory/attempt-log/record.js';


/** Counts for one group of calls; a rate is null when the group had no failed call. */
export interface StatsBucket {
  attempts: number;
  failures: number;
  fixes_run: number;
  fixes_succeeded: number;
  failed_calls: number;
  calls_healed: number;
  /** calls_healed / failed_calls, rounded to 4 places. */
  auto_fixed_rate: number | null;
}

/** What `aiw memory stats --json` prints: plain data, groups sorted for reading. */
export interface FailureStats {
  generated_at: string;
  entries: number;
  /** Earliest and latest timestamp in the log, as written; null when none can be read. */
  first: string | null;
  last: string | null;
  /** Attempts stopped by Ctrl-C or SIGTERM: counted here only, never as failures or calls. */
  interrupted: number;
  totals: StatsBucket & { calls: number };
  by_tool: Array<StatsBucket & { tool: string }>;
  by_class: Array<StatsBucket & { class: string }>;
  by_day: Array<StatsBucket & { day: string }>;
  by_week: Array<StatsBucket & { week: string }>;
}

interface Call {
  tool: string;
  klass: string;
  day: string;
  bucket: StatsBucket;
}

const UNCLASSIFIED = 'unclassified';
const UNKNOWN = 'unknown';
const NO_FAILURE = 'none';

/**
 * Summarise the attempt log. A call is one step's use of one tool in one run (run_id + step + tool);
 * it is auto-fixed when it failed at least once, a fix ran, and its last attempt succeeded. Entries
 * without a run_id (written before aiw, such as the seed's) each stand for one failed call: their
 * fix ran and `success` says whether the call then worked. When a call has no `kind: fix` entries,
 * fixes are counted from the attempts that name one, and such a fix counts as succeeded when the
 * attempt after it did. A call's counts go to the day and ISO week of its first entry, as written
 * in its timestamp (the writer's own calendar day).
 */
export function computeFailureStats(records: readonly LoggedFailure[], now: Date = new Date()): FailureStats {
  // A person stopping a run is not a tool failing: interrupted attempts stay out of every rate.
  const counted = records.filter((r) => r.kind !== 'interrupted');
  const calls = groupCalls(counted).map(summariseCall);
  const totals = { ...sum(calls.map((c) => c.bucket)), calls: calls.length };
  // Earliest and latest by instant, not text (entries from different zones compare correctly),
  // in one pass: sorting 100,000 timestamps to keep two of them was most of this function's time.
  let first: [number, string] | undefined;
  let last: [number, string] | undefined;
  for (const r of records) {
    const ms = Date.parse(r.timestamp);
    if (Number.isNaN(ms)) continue;
    if (!first || ms < first[0]) first = [ms, r.timestamp];
    if (!last || ms >= last[0]) last = [ms, r.timestamp];
  }
  const timestamps = first && last ? [first[1], last[1]] : [];
  return {
    generated_at: now.toISOString(),
    entries: records.length,
    interrupted: records.length - counted.length,
    first: timestamps[0] ?? null,
    last: timestamps[timestamps.length - 1] ?? null,
    totals,
    by_tool: group(calls, (c) => c.tool).sort(byFailedCalls).map(([tool, b]) => ({ tool, ...b })),
    by_class: group(calls, (c) => c.klass).sort(byFailedCalls).map(([klass, b]) => ({ class: klass, ...b })),
    by_day: group(calls, (c) => c.day).sort(byName).map(([day, b]) => ({ day, ...b })),
    by_week: group(calls, (c) => isoWeek(c.day)).sort(byName).map(([week, b]) => ({ week, ...b })),
  };
}

function groupCalls(records: readonly LoggedFailure[]): LoggedFailure[][] {
  const calls = new Map<string, LoggedFailure[]>();
  records.forEach((record, index) => {
    const key = record.run_id ? `${record.run_id}\u0000${record.step ?? ''}\u0000${record.tool}` : `#${index}`;
    const list = calls.get(key);
    if (list) list.push(record);
    else calls.set(key, [record]);
  });
  return [...calls.values()];
}

function summariseCall(entries: LoggedFailure[]): Call {
  const first = entries[0] as LoggedFailure;
  const fixes = entries.filter((e) => e.kind === 'fix' || e.kind === 'remedy');
  const attempts = entries.filter((e) => e.kind !== 'fix' && e.kind !== 'remedy');
  const legacy = !first.run_id;
  const failedAttempts = attempts.filter((e) => !e.success);
  // Entries of one call come in order, but attempt numbers decide when a writer raced.
  const lastAttempt = attempts.reduce<LoggedFailure | undefined>((a, e) => (a && (a.attempt ?? 0) > (e.attempt ?? 0) ? a : e), undefined);
  const fixedAttempts = attempts.filter((e) => e.fix_attempted != null);
  const fixesRun = fixes.length > 0 ? fixes.length : fixedAttempts.length;
  const fixesOk = fixes.length > 0 ? fixes.filter((e) => e.success).length : fixedAttempts.filter((e) => e.success).length;
  const failed = legacy || failedAttempts.length > 0;
  const healed = failed && fixesRun > 0 && lastAttempt?.success === true;
  const bucket: StatsBucket = {
    attempts: attempts.length,
    failures: legacy ? 1 : failedAttempts.length,
    fixes_run: fixesRun,
    fixes_succeeded: fixesOk,
    failed_calls: failed ? 1 : 0,
    calls_healed: healed ? 1 : 0,
    auto_fixed_rate: null,
  };
  // A call that never failed has no failure class; keeping it apart keeps the classes' rates honest.
  const klass = failed ? ((failedAttempts[0] ?? first).error_type ?? UNCLASSIFIED) : NO_FAILURE;
  return { tool: first.tool, klass, day: dayOf(first.timestamp), bucket };
}

function sum(buckets: StatsBucket[]): StatsBucket {
  const total: StatsBucket = { attempts: 0, failures: 0, fixes_run: 0, fixes_succeeded: 0, failed_calls: 0, calls_healed: 0, auto_fixed_rate: null };
  for (const b of buckets) {
    total.attempts += b.attempts;
    total.failures += b.failures;
    total.fixes_run += b.fixes_run;
    total.fixes_succeeded += b.fixes_succeeded;
    total.failed_calls += b.failed_calls;
    total.calls_healed += b.calls_healed;
  }
  total.auto_fixed_rate = total.failed_calls > 0 ? Math.round((total.calls_healed / total.failed_calls) * 10_000) / 10_000 : null;
  return total;
}

/** Buckets summed per key. */
function group(calls: Call[], keyOf: (c: Call) => string): Array<[string, StatsBucket]> {
  const groups = new Map<string, StatsBucket[]>();
  for (const call of calls) {
    const key = keyOf(call);
    const list = groups.get(key);
    if (list) list.push(call.bucket);
    else groups.set(key, [call.bucket]);
  }
  return [...groups].map(([key, buckets]) => [key, sum(buckets)]);
}

/** Most failed calls first, so the tools worth fixing lead; ties by name for a stable output. */
function byFailedCalls([ka, a]: [string, StatsBucket], [kb, b]: [string, StatsBucket]): number {
  return b.failed_calls - a.failed_calls || byName([ka, a], [kb, b]);
}

function byName([ka]: [string, StatsBucket], [kb]: [string, StatsBucket]): number {
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** `compute` with one answer kept per distinct key: logs repeat the same few days thousands of times. */
function cachedBy(compute: (key: string) => string): (key: string) => string {
  const seen = new Map<string, string>();
  return (key) => {
    let value = seen.get(key);
    if (value === undefined) seen.set(key, (value = compute(key)));
    return value;
  };
}

const checkedDayOfPrefix = cachedBy(checkedDay);

/** The calendar day as written in the timestamp, so a log reads the same in every time zone. */
function dayOf(timestamp: string): string {
  return checkedDayOfPrefix(timestamp.slice(0, 10));
}

function checkedDay(timestamp: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(timestamp);
  if (!match) return UNKNOWN;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== match[0] ? UNKNOWN : match[0];
}

/** ISO 8601 week of a `YYYY-MM-DD` day, as `YYYY-Www`: weeks start on Monday, week 1 holds January 4th. */
export const isoWeek = cachedBy(computeIsoWeek);

function computeIsoWeek(day: string): string {
  if (day === UNKNOWN) return UNKNOWN;
  const date = new Date(`${day}T00:00:00Z`);
  const weekday = date.getUTCDay() || 7;
  // The Thursday of this week decides the year the week belongs to.
  date.setUTCDate(date.getUTCDate() + 4 - weekday);
  const yearStart = Date.UTC(date.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((date.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${date.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}
