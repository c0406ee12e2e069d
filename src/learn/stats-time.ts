/*
 * An entry's instant, calendar day and ISO week for the statistics, read once per entry of a log
 * of any size. `Date.parse` and a cache keyed by a fresh slice per entry cost more than the rest of
 * the statistics together; logs hold runs of entries from the same day, so the day's answer is
 * kept and only the time of day is read digit by digit.
 */

const T = 84;
const COLON = 58;
const DASH = 45;
const PLUS = 43;
const DOT = 46;
const Z = 90;
const ZERO = 48;

let dayKey = '';
let dayMs = NaN;

/**
 * Exactly `Date.parse(timestamp)`. `YYYY-MM-DDTHH:MM:SS[.mmm](Z|±HH:MM)`, the shape aiw writes, is
 * read here with the day's start from `Date.parse` (cached); every other shape goes to `Date.parse`.
 */
export function instantOf(timestamp: string): number {
  // An attempt and its fix are often written in the same second.
  if (timestamp === lastTimestamp) return lastInstant;
  lastInstant = readInstant(timestamp);
  lastTimestamp = timestamp;
  return lastInstant;
}

let lastTimestamp: string | undefined;
let lastInstant = NaN;

function readInstant(timestamp: string): number {
  const n = timestamp.length;
  if (n < 20 || timestamp.charCodeAt(10) !== T || timestamp.charCodeAt(13) !== COLON || timestamp.charCodeAt(16) !== COLON) return Date.parse(timestamp);
  const hours = twoDigits(timestamp, 11);
  const minutes = twoDigits(timestamp, 14);
  const seconds = twoDigits(timestamp, 17);
  if (hours > 23 || minutes > 59 || seconds > 59) return Date.parse(timestamp);
  let at = 19;
  let millis = 0;
  if (timestamp.charCodeAt(at) === DOT) {
    millis = threeDigits(timestamp, 20);
    if (millis < 0) return Date.parse(timestamp);
    at = 23;
  }
  let offset = 0;
  const zone = timestamp.charCodeAt(at);
  if (zone === Z && n === at + 1) offset = 0;
  else if ((zone === PLUS || zone === DASH) && n === at + 6 && timestamp.charCodeAt(at + 3) === COLON) {
    const oh = twoDigits(timestamp, at + 1);
    const om = twoDigits(timestamp, at + 4);
    if (oh > 23 || om > 59) return Date.parse(timestamp);
    offset = (zone === PLUS ? 1 : -1) * (oh * 60 + om) * 60_000;
  } else {
    return Date.parse(timestamp);
  }
  const day = startOfDay(timestamp);
  if (Number.isNaN(day)) return Date.parse(timestamp);
  return day + ((hours * 60 + minutes) * 60 + seconds) * 1000 + millis - offset;
}

/** Date.parse of the timestamp's `YYYY-MM-DD` at UTC midnight, kept while the day stays the same. */
function startOfDay(timestamp: string): number {
  if (dayKey === '' || !timestamp.startsWith(dayKey)) {
    dayKey = timestamp.slice(0, 10);
    // Only the digits-and-dashes shape: anything else would let Date.parse read another format.
    dayMs = /^\d{4}-\d{2}-\d{2}$/.test(dayKey) ? Date.parse(`${dayKey}T00:00:00Z`) : NaN;
  }
  return dayMs;
}

/** The two decimal digits at `at`, or 100 when they are not both digits (out of every range). */
function twoDigits(text: string, at: number): number {
  const a = text.charCodeAt(at) - ZERO;
  const b = text.charCodeAt(at + 1) - ZERO;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : 100;
}

function threeDigits(text: string, at: number): number {
  const a = twoDigits(text, at);
  const c = text.charCodeAt(at + 2) - ZERO;
  return a < 100 && c >= 0 && c <= 9 ? a * 10 + c : -1;
}

const UNKNOWN = 'unknown';

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
let lastPrefix = '';
let lastDay = UNKNOWN;

/** The calendar day as written in the timestamp, so a log reads the same in every time zone. */
export function dayOf(timestamp: string): string {
  // Runs of entries share a day: compare with the last one before slicing and looking it up.
  if (lastPrefix.length === 10 && timestamp.startsWith(lastPrefix)) return lastDay;
  lastPrefix = timestamp.slice(0, 10);
  return (lastDay = checkedDayOfPrefix(lastPrefix));
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
