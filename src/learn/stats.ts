import type { LoggedFailure } from '../memory/attempt-log/record.js';
import { dayOf, instantOf, isoWeek } from './stats-time.js';

export { isoWeek } from './stats-time.js';


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

/**
 * What a call's summary needs of its entries, kept as they arrive instead of the entries themselves.
 * Flat fields, no objects per entry, and no entry text but the failure class (an own copy, shared
 * by every call of that class): an open call holds nothing that keeps the log's text alive.
 */
interface CallState {
  /** The buckets of the call's tool, day and week, found once when the call opens. */
  toolBucket: StatsBucket;
  dayBucket: StatsBucket;
  weekBucket: StatsBucket;
  /** No run_id: written before aiw, one entry standing for one failed call. */
  legacy: boolean;
  firstType: string | null | undefined;
  attempts: number;
  failedAttempts: number;
  firstFailedType: string | null | undefined;
  fixes: number;
  fixesOk: number;
  fixedAttempts: number;
  fixedAttemptsOk: number;
  hasLast: boolean;
  lastAttempt: number;
  lastSuccess: boolean;
}

const UNCLASSIFIED = 'unclassified';
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

/** Every key of an entry that `StatsAccumulator.add` reads: a reader may leave out the rest. */
export const STATS_KEYS = ['tool', 'error_type', 'fix_attempted', 'success', 'timestamp', 'step', 'attempt', 'run_id', 'kind'] as const satisfies ReadonlyArray<keyof LoggedFailure>;

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
  private firstMs = Infinity;
  private first: string | null = null;
  private lastMs = -Infinity;
  private last: string | null = null;
  // The call the previous entry went to, and its run and step.
  private recent: CallState | undefined;
  private recentRun = '';
  private recentStep = '';
  private recentTool = '';
  // The day of the last call opened, and its buckets: calls come in runs of the same day.
  private day: string | undefined;
  private dayBuckets: [StatsBucket, StatsBucket] | undefined;
  private readonly strings = new Map<string, string>();

  add(record: LoggedFailure): void {
    this.entries++;
    const ms = instantOf(record.timestamp);
    if (!Number.isNaN(ms)) {
      if (ms < this.firstMs) {
        this.firstMs = ms;
        this.first = record.timestamp;
      }
      if (ms >= this.lastMs) {
        this.lastMs = ms;
        this.last = record.timestamp;
      }
    }
    // A person stopping a run is not a tool failing: interrupted attempts stay out of every rate.
    if (record.kind === 'interrupted') {
      this.interrupted++;
      return;
    }
    if (!record.run_id) {
      const state = this.newCall(record);
      this.addEntry(state, record);
      this.fold(state);
      return;
    }
    // A call's entries mostly follow each other: the one before is checked first, then the map.
    const step = record.step ?? '';
    let state = this.recent;
    if (state === undefined || record.run_id !== this.recentRun || step !== this.recentStep || record.tool !== this.recentTool) {
      const key = ownCopy(`${record.run_id}\u0000${step}\u0000${record.tool}`);
      state = this.open.get(key);
      if (!state) this.open.set(key, (state = this.newCall(record)));
      this.recent = state;
      this.recentRun = record.run_id;
      this.recentStep = step;
      this.recentTool = record.tool;
    }
    this.addEntry(state, record);
  }

  /** The summary of everything added; calls still open are closed, so call it once, at the end. */
  result(now: Date = new Date()): FailureStats {
    for (const state of this.open.values()) this.fold(state);
    this.open.clear();
    this.recent = undefined;
    const { tool, klass, day, week } = this.groups;
    return {
      generated_at: now.toISOString(),
      entries: this.entries,
      interrupted: this.interrupted,
      first: this.first,
      last: this.last,
      totals: { ...withRate(this.totals), calls: this.calls },
      by_tool: rated(tool).sort(byFailedCalls).map(([name, b]) => ({ tool: name, ...b })),
      by_class: rated(klass).sort(byFailedCalls).map(([name, b]) => ({ class: name, ...b })),
      by_day: rated(day).sort(byName).map(([name, b]) => ({ day: name, ...b })),
      by_week: rated(week).sort(byName).map(([name, b]) => ({ week: name, ...b })),
    };
  }

  /** Count one call, closed, into the totals and its tool, class, day and week. */
  private fold(state: CallState): void {
    this.calls++;
    const fixesRun = state.fixes > 0 ? state.fixes : state.fixedAttempts;
    const fixesOk = state.fixes > 0 ? state.fixesOk : state.fixedAttemptsOk;
    const failed = state.legacy || state.failedAttempts > 0;
    const healed = failed && fixesRun > 0 && state.hasLast && state.lastSuccess;
    // A call that never failed has no failure class; keeping it apart keeps the classes' rates honest.
    const type = state.failedAttempts > 0 ? state.firstFailedType : state.firstType;
    const klass = failed ? (type ?? UNCLASSIFIED) : NO_FAILURE;
    const failures = state.legacy ? 1 : state.failedAttempts;
    const call: CallCounts = { attempts: state.attempts, failures, fixesRun, fixesOk, failed, healed };
    addCall(this.totals, call);
    addCall(state.toolBucket, call);
    addCall(group(this.groups.klass, klass), call);
    addCall(state.dayBucket, call);
    addCall(state.weekBucket, call);
  }

  private newCall(e: LoggedFailure): CallState {
    const day = dayOf(e.timestamp);
    if (day !== this.day || !this.dayBuckets) {
      this.day = day;
      this.dayBuckets = [group(this.groups.day, day), group(this.groups.week, isoWeek(day))];
    }
    // Only what the summary reads: an open call must not keep its entry's text alive.
    return {
      toolBucket: group(this.groups.tool, e.tool), dayBucket: this.dayBuckets[0], weekBucket: this.dayBuckets[1],
      legacy: !e.run_id, firstType: this.shared(e.error_type),
      attempts: 0, failedAttempts: 0, firstFailedType: undefined, fixes: 0, fixesOk: 0, fixedAttempts: 0, fixedAttemptsOk: 0,
      hasLast: false, lastAttempt: 0, lastSuccess: false,
    };
  }

  private addEntry(state: CallState, e: LoggedFailure): void {
    if (e.kind === 'fix' || e.kind === 'remedy') {
      state.fixes++;
      if (e.success) state.fixesOk++;
      return;
    }
    state.attempts++;
    if (!e.success) {
      if (state.failedAttempts === 0) state.firstFailedType = this.shared(e.error_type);
      state.failedAttempts++;
    }
    if (e.fix_attempted != null) {
      state.fixedAttempts++;
      if (e.success) state.fixedAttemptsOk++;
    }
    // Entries of one call come in order, but attempt numbers decide when a writer raced.
    const attempt = e.attempt ?? 0;
    if (!(state.hasLast && state.lastAttempt > attempt)) {
      state.hasLast = true;
      state.lastAttempt = attempt;
      state.lastSuccess = e.success === true;
    }
  }

  /** One own copy per distinct text (failure classes repeat across thousands of calls). */
  private shared<T extends string | null | undefined>(text: T): T {
    if (text == null) return text;
    let copy = this.strings.get(text);
    if (copy === undefined) this.strings.set((copy = ownCopy(text)), copy);
    return copy as T;
  }
}

interface CallCounts {
  attempts: number;
  failures: number;
  fixesRun: number;
  fixesOk: number;
  failed: boolean;
  healed: boolean;
}

function addCall(bucket: StatsBucket, call: CallCounts): void {
  bucket.attempts += call.attempts;
  bucket.failures += call.failures;
  bucket.fixes_run += call.fixesRun;
  bucket.fixes_succeeded += call.fixesOk;
  if (call.failed) bucket.failed_calls++;
  if (call.healed) bucket.calls_healed++;
}

function group(map: Map<string, StatsBucket>, key: string): StatsBucket {
  let bucket = map.get(key);
  if (!bucket) map.set(ownCopy(key), (bucket = emptyBucket()));
  return bucket;
}

function emptyBucket(): StatsBucket {
  return { attempts: 0, failures: 0, fixes_run: 0, fixes_succeeded: 0, failed_calls: 0, calls_healed: 0, auto_fixed_rate: null };
}

function withRate(b: StatsBucket): StatsBucket {
  return { ...b, auto_fixed_rate: b.failed_calls > 0 ? Math.round((b.calls_healed / b.failed_calls) * 10_000) / 10_000 : null };
}

function rated(map: Map<string, StatsBucket>): Array<[string, StatsBucket]> {
  return [...map].map(([key, b]) => [key, withRate(b)]);
}

/*
 * Strings kept for the whole log (a call's key, a group's name, a failure class) are copied first. A reader may hand
 * out strings that are views into the large text it read a chunk at a time, and keeping a view
 * keeps that whole chunk: without the copies, the summary of a 30 MB log holds all 30 MB.
 */

/** A copy of `text` that refers to no other string. */
function ownCopy(text: string): string {
  // Joining makes a new string; slicing it back flattens it into one block of its own.
  return `${text} `.slice(0, -1);
}

/** Most failed calls first, so the tools worth fixing lead; ties by name for a stable output. */
function byFailedCalls([ka, a]: [string, StatsBucket], [kb, b]: [string, StatsBucket]): number {
  return b.failed_calls - a.failed_calls || byName([ka, a], [kb, b]);
}

function byName([ka]: [string, StatsBucket], [kb]: [string, StatsBucket]): number {
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
