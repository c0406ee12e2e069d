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
 * What a call's summary needs of its entries, kept as they arrive instead of the entries themselves:
 * one row per call in columns (typed arrays and arrays of shared references), no object per call,
 * so a log of 100,000 calls leaves the collector little to copy. No entry text is kept but the
 * failure class (an own copy, shared by every call of that class): an open call holds nothing that
 * keeps the log's text alive.
 */
class CallTable {
  size = 0;
  /** The buckets of the call's tool, day and week, found once when the call opens. */
  readonly toolBucket: StatsBucket[] = [];
  readonly dayBucket: StatsBucket[] = [];
  readonly weekBucket: StatsBucket[] = [];
  readonly firstType: Array<string | null | undefined> = [];
  readonly firstFailedType: Array<string | null | undefined> = [];
  /** Per call, COUNTS numbers: attempts, failed attempts, fixes, fixes ok, attempts naming a fix, of them ok. */
  counts = new Int32Array(COUNTS * 1024);
  /** LEGACY (no run_id: written before aiw, one entry standing for one failed call), HAS_LAST, LAST_OK. */
  flags = new Uint8Array(1024);
  lastAttempt = new Float64Array(1024);

  /** A new call's row (its index), every count zero. */
  open(toolBucket: StatsBucket, dayBucket: StatsBucket, weekBucket: StatsBucket, legacy: boolean, firstType: string | null | undefined): number {
    const row = this.size++;
    if (row === this.flags.length) this.grow();
    this.toolBucket[row] = toolBucket;
    this.dayBucket[row] = dayBucket;
    this.weekBucket[row] = weekBucket;
    this.firstType[row] = firstType;
    this.firstFailedType[row] = undefined;
    this.counts.fill(0, row * COUNTS, row * COUNTS + COUNTS);
    this.flags[row] = legacy ? LEGACY : 0;
    this.lastAttempt[row] = 0;
    return row;
  }

  /** Forget every row (the summary has them). */
  clear(): void {
    this.size = 0;
    for (const column of [this.toolBucket, this.dayBucket, this.weekBucket, this.firstType, this.firstFailedType]) column.length = 0;
  }

  private grow(): void {
    const n = this.flags.length * 2;
    const counts = new Int32Array(COUNTS * n);
    counts.set(this.counts);
    this.counts = counts;
    const flags = new Uint8Array(n);
    flags.set(this.flags);
    this.flags = flags;
    const last = new Float64Array(n);
    last.set(this.lastAttempt);
    this.lastAttempt = last;
  }
}

const COUNTS = 6;
const ATTEMPTS = 0;
const FAILED = 1;
const FIXES = 2;
const FIXES_OK = 3;
const FIXED_ATTEMPTS = 4;
const FIXED_ATTEMPTS_OK = 5;
const LEGACY = 1;
const HAS_LAST = 2;
const LAST_OK = 4;
/** The row of the one call of an entry without a run_id, counted as soon as it is added. */
const NO_ROW = -1;

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
  /** Open calls by key (run, step, tool): their rows in `table`. */
  private readonly open = new Map<string, number>();
  private readonly table = new CallTable();
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
  private recent = NO_ROW;
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
      const row = this.newCall(record);
      this.addEntry(row, record);
      this.fold(row);
      // Its row is not needed again: the next call takes it.
      this.table.size--;
      return;
    }
    // A call's entries mostly follow each other: the one before is checked first, then the map.
    const step = record.step ?? '';
    let row = this.recent;
    if (row === NO_ROW || record.run_id !== this.recentRun || step !== this.recentStep || record.tool !== this.recentTool) {
      // One copy of its own, hashed once for the lookup and kept by the map when the call is new.
      const key = ownCopy(`${record.run_id}\u0000${step}\u0000${record.tool}`);
      row = this.open.get(key) ?? NO_ROW;
      if (row === NO_ROW) this.open.set(key, (row = this.newCall(record)));
      this.recent = row;
      this.recentRun = record.run_id;
      this.recentStep = step;
      this.recentTool = record.tool;
    }
    this.addEntry(row, record);
  }

  /** The summary of everything added; calls still open are closed, so call it once, at the end. */
  result(now: Date = new Date()): FailureStats {
    // Rows in the order the calls opened, as the map holds them.
    for (const row of this.open.values()) this.fold(row);
    this.open.clear();
    this.table.clear();
    this.recent = NO_ROW;
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
  private fold(row: number): void {
    const t = this.table;
    const c = t.counts;
    const at = row * COUNTS;
    const flags = t.flags[row] as number;
    this.calls++;
    const failedAttempts = c[at + FAILED] as number;
    const fixes = c[at + FIXES] as number;
    const fixesRun = fixes > 0 ? fixes : (c[at + FIXED_ATTEMPTS] as number);
    const fixesOk = fixes > 0 ? (c[at + FIXES_OK] as number) : (c[at + FIXED_ATTEMPTS_OK] as number);
    const legacy = (flags & LEGACY) !== 0;
    const failed = legacy || failedAttempts > 0;
    const healed = failed && fixesRun > 0 && (flags & HAS_LAST) !== 0 && (flags & LAST_OK) !== 0;
    // A call that never failed has no failure class; keeping it apart keeps the classes' rates honest.
    const type = failedAttempts > 0 ? t.firstFailedType[row] : t.firstType[row];
    const klass = failed ? (type ?? UNCLASSIFIED) : NO_FAILURE;
    const failures = legacy ? 1 : failedAttempts;
    const call: CallCounts = { attempts: c[at + ATTEMPTS] as number, failures, fixesRun, fixesOk, failed, healed };
    addCall(this.totals, call);
    addCall(t.toolBucket[row] as StatsBucket, call);
    addCall(group(this.groups.klass, klass), call);
    addCall(t.dayBucket[row] as StatsBucket, call);
    addCall(t.weekBucket[row] as StatsBucket, call);
  }

  private newCall(e: LoggedFailure): number {
    const day = dayOf(e.timestamp);
    if (day !== this.day || !this.dayBuckets) {
      this.day = day;
      this.dayBuckets = [group(this.groups.day, day), group(this.groups.week, isoWeek(day))];
    }
    // Only what the summary reads: an open call must not keep its entry's text alive.
    return this.table.open(group(this.groups.tool, e.tool), this.dayBuckets[0], this.dayBuckets[1], !e.run_id, this.shared(e.error_type));
  }

  private addEntry(row: number, e: LoggedFailure): void {
    const t = this.table;
    const c = t.counts;
    const at = row * COUNTS;
    if (e.kind === 'fix' || e.kind === 'remedy') {
      bump(c, at + FIXES);
      if (e.success) bump(c, at + FIXES_OK);
      return;
    }
    bump(c, at + ATTEMPTS);
    if (!e.success) {
      if (c[at + FAILED] === 0) t.firstFailedType[row] = this.shared(e.error_type);
      bump(c, at + FAILED);
    }
    if (e.fix_attempted != null) {
      bump(c, at + FIXED_ATTEMPTS);
      if (e.success) bump(c, at + FIXED_ATTEMPTS_OK);
    }
    // Entries of one call come in order, but attempt numbers decide when a writer raced.
    const attempt = e.attempt ?? 0;
    const flags = t.flags[row] as number;
    if (!((flags & HAS_LAST) !== 0 && (t.lastAttempt[row] as number) > attempt)) {
      t.flags[row] = (flags & LEGACY) | HAS_LAST | (e.success === true ? LAST_OK : 0);
      t.lastAttempt[row] = attempt;
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

function bump(counts: Int32Array, at: number): void {
  counts[at] = (counts[at] as number) + 1;
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
