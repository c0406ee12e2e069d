import { statSync } from 'node:fs';
import { appendFile, mkdir, readFile, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AiwError } from '../../errors/errors.js';
import { withLock } from '../../files/lock.js';
import type { FailureRecord } from '../../model/learning.js';

/**
 * What a run could not deliver to the database, kept in `<memory>/.spool/<database>.jsonl`, one
 * JSON line per entry. Every entry carries the id it will be inserted with, so delivering a spool
 * twice (a crash between the commit and the removal of the file) still stores each entry once.
 */
export type SpoolEntry =
  | { t: 'attempt'; id: string; record: FailureRecord }
  | { t: 'prevented'; id: string; tool: string; pattern: string; when: string };

/** Append entries under the spool's lock, flushed before returning. */
export async function appendSpool(file: string, entries: readonly SpoolEntry[]): Promise<void> {
  if (entries.length === 0) return;
  try {
    await mkdir(dirname(file), { recursive: true });
    await withLock(file, () => appendFile(file, entries.map((e) => `${JSON.stringify(e)}\n`).join(''), { flush: true }));
  } catch (err) {
    throw new AiwError('MEMORY_WRITE', `cannot write the spool ${file}: ${(err as Error).message}`, { cause: err, location: { file } });
  }
}

/** How many entries are waiting (0 when there is no spool); cheap: one stat, a read only when it exists. */
export async function spoolSize(file: string): Promise<number> {
  if (!spoolExists(file)) return 0;
  return (await readFile(file, 'utf8')).split('\n').filter((l) => l.trim()).length;
}

/**
 * Synchronous: almost every run finds no spool, and the first asynchronous file call of a process
 * starts libuv's thread pool (~1 ms on the way to a lookup's first query).
 */
function spoolExists(file: string): boolean {
  try {
    statSync(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

export interface DrainResult {
  delivered: number;
  /** Lines that were not entries (a crash mid-write), kept in `<spool>.rejected` for a person to read. */
  rejected: number;
}

/**
 * Hand every spooled entry to `deliver` (one transaction, by the caller) and remove the spool only
 * when it returned. Holds the spool's lock throughout, so entries appended meanwhile wait for the
 * next drain instead of being removed undelivered.
 */
export async function drainSpool(file: string, deliver: (entries: SpoolEntry[]) => Promise<void>): Promise<DrainResult> {
  if (!spoolExists(file)) return { delivered: 0, rejected: 0 };
  return withLock(file, async () => {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      // Drained by another process while this one waited for the lock.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { delivered: 0, rejected: 0 };
      throw err;
    }
    const entries: SpoolEntry[] = [];
    const bad: string[] = [];
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      const entry = parseEntry(line);
      if (entry) entries.push(entry);
      else bad.push(line);
    }
    if (entries.length) await deliver(entries);
    if (bad.length) await appendFile(`${file}.rejected`, bad.map((l) => `${l}\n`).join(''), { flush: true });
    await rm(file, { force: true });
    return { delivered: entries.length, rejected: bad.length };
  });
}

function parseEntry(line: string): SpoolEntry | null {
  try {
    const v = JSON.parse(line) as Partial<SpoolEntry>;
    if (typeof v.id !== 'string') return null;
    if (v.t === 'attempt' && v.record && typeof v.record === 'object') return v as SpoolEntry;
    if (v.t === 'prevented' && typeof v.tool === 'string' && typeof v.pattern === 'string' && typeof v.when === 'string') return v as SpoolEntry;
    return null;
  } catch {
    // A line cut short by a crash mid-write: kept aside by the caller, never silently dropped.
    return null;
  }
}
