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

/** What a call's summary needs of its entries, kept as they arrive instead of the entries themselves. */
interface CallState {
  first: Pick<LoggedFailure, 'tool' | 'timestamp' | 'run_id' | 'error_type'>;
  attempts: number;
  failedAttempts: number;
  firstFailedType: string | null | undefined;
  fixes: number;
  fixesOk: number;
  fixedAttempts: number;
  fixedAttemptsOk: number;
  last: Pick<LoggedFailure, 'attempt' | 'success'> | undefined;
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
  const stats = new StatsAccumulator();
  for (const record of records) stats.add(record);
  return stats.result(now);
}

/**
 * `computeFailureStats` one entry at a time, for logs too large to hold: it keeps a few counters
 * per call (and none for entries without a run_id, which are calls of their own), never the entries.
 */
export class StatsAccumulator {
  private readonly open = new Map<string, CallState>();
  private readonly totals = emptyBucket();
  private readonly groups = { tool: new Map<string, StatsBucket>(), klass: new Map<string, StatsBucket>(), day: new Map<string, StatsBucket>(), week: new Map<string, StatsBucket>() };
  private calls = 0;
  private entries = 0;
  private interrupted = 0;
  // Earliest and latest by instant, not text (entries from different zones compare correctly).
  private first: [number, string] | undefined;
  private last: [number, string] | undefined;

  add(record: LoggedFailure): void {
    this.entries++;
    const ms = Date.parse(record.timestamp);
    if (!Number.isNaN(ms)) {
      if (!this.first || ms < this.first[0]) this.first = [ms, record.timestamp];
      if (!this.last || ms >= this.last[0]) this.last = [ms, record.timestamp];
    }
    // A person stopping a run is not a tool failing: interrupted attempts stay out of every rate.
    if (record.kind === 'interrupted') {
      this.interrupted++;
      return;
    }
    if (!record.run_id) {
      const state = newCall(record);
      addEntry(state, record);
      this.fold(summariseCall(state));
      return;
    }
    const key = `${record.run_id}\u0000${record.step ?? ''}\u0000${record.tool}`;
    let state = this.open.get(key);
    if (!state) this.open.set(key, (state = newCall(record)));
    addEntry(state, record);
  }

  /** The summary of everything added; calls still open are closed, so call it once, at the end. */
  result(now: Date = new Date()): FailureStats {
    for (const state of this.open.values()) this.fold(summariseCall(state));
    this.open.clear();
    const { tool, klass, day, week } = this.groups;
    return {
      generated_at: now.toISOString(),
      entries: this.entries,
      interrupted: this.interrupted,
      first: this.first?.[1] ?? null,
      last: this.last?.[1] ?? null,
      totals: { ...withRate(this.totals), calls: this.calls },
      by_tool: rated(tool).sort(byFailedCalls).map(([name, b]) => ({ tool: name, ...b })),
      by_class: rated(klass).sort(byFailedCalls).map(([name, b]) => ({ class: name, ...b })),
      by_day: rated(day).sort(byName).map(([name, b]) => ({ day: name, ...b })),
      by_week: rated(week).sort(byName).map(([name, b]) => ({ week: name, ...b })),
    };
  }

  private fold(call: Call): void {
    this.calls++;
    add(this.totals, call.bucket);
    const keys = { tool: call.tool, klass: call.klass, day: call.day, week: isoWeek(call.day) };
    for (const dimension of ['tool', 'klass', 'day', 'week'] as const) {
      const map = this.groups[dimension];
      let bucket = map.get(keys[dimension]);
      if (!bucket) map.set(keys[dimension], (bucket = emptyBucket()));
      add(bucket, call.bucket);
    }
  }
}

function emptyBucket(): StatsBucket {
  return { attempts: 0, failures: 0, fixes_run: 0, fixes_succeeded: 0, failed_calls: 0, calls_healed: 0, auto_fixed_rate: null };
}

function add(total: StatsBucket, b: StatsBucket): void {
  total.attempts += b.attempts;
  total.failures += b.failures;
  total.fixes_run += b.fixes_run;
  total.fixes_succeeded += b.fixes_succeeded;
  total.failed_calls += b.failed_calls;
  total.calls_healed += b.calls_healed;
}

function withRate(b: StatsBucket): StatsBucket {
  return { ...b, auto_fixed_rate: b.failed_calls > 0 ? Math.round((b.calls_healed / b.failed_calls) * 10_000) / 10_000 : null };
}

function rated(map: Map<string, StatsBucket>): Array<[string, StatsBucket]> {
  return [...map].map(([key, b]) => [key, withRate(b)]);
}

function newCall(e: LoggedFailure): CallState {
  // Only what the summary reads: an open call must not keep its entry's error text alive.
  const first = { tool: e.tool, timestamp: e.timestamp, run_id: e.run_id, error_type: e.error_type };
  return { first, attempts: 0, failedAttempts: 0, firstFailedType: undefined, fixes: 0, fixesOk: 0, fixedAttempts: 0, fixedAttemptsOk: 0, last: undefined };
}

function addEntry(state: CallState, e: LoggedFailure): void {
  if (e.kind === 'fix' || e.kind === 'remedy') {
    state.fixes++;
    if (e.success) state.fixesOk++;
    return;
  }
  state.attempts++;
  if (!e.success) {
    if (state.failedAttempts === 0) state.firstFailedType = e.error_type;
    state.failedAttempts++;
  }
  if (e.fix_attempted != null) {
    state.fixedAttempts++;
    if (e.success) state.fixedAttemptsOk++;
  }
  // Entries of one call come in order, but attempt numbers decide when a writer raced.
  if (!(state.last && (state.last.attempt ?? 0) > (e.attempt ?? 0))) state.last = { attempt: e.attempt, success: e.success };
}

function summariseCall(state: CallState): Call {
  const { first } = state;
  const legacy = !first.run_id;
  const fixesRun = state.fixes > 0 ? state.fixes : state.fixedAttempts;
  const fixesOk = state.fixes > 0 ? state.fixesOk : state.fixedAttemptsOk;
  const failed = legacy || state.failedAttempts > 0;
  const healed = failed && fixesRun > 0 && state.last?.success === true;
  const bucket: StatsBucket = {
    attempts: state.attempts,
    failures: legacy ? 1 : state.failedAttempts,
    fixes_run: fixesRun,
    fixes_succeeded: fixesOk,
    failed_calls: failed ? 1 : 0,
    calls_healed: healed ? 1 : 0,
    auto_fixed_rate: null,
  };
  // A call that never failed has no failure class; keeping it apart keeps the classes' rates honest.
  const type = state.failedAttempts > 0 ? state.firstFailedType : first.error_type;
  const klass = failed ? (type ?? UNCLASSIFIED) : NO_FAILURE;
  return { tool: first.tool, klass, day: dayOf(first.timestamp), bucket };
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
