import { constants } from 'node:fs';
import { lstat, mkdir, open, readFile, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { resolveInside } from '../../files/safe-path.js';
import { AiwError } from '../../errors/errors.js';
import { writeFileAtomic } from '../../files/atomic-write.js';
import { planFastAppend } from './plan.js';
import { recordLine, recordProblem, type FailureRecord } from './record.js';
import { rewriteLog } from './rewrite.js';
import { readFailureFile, sidecarPathFor } from './read.js';
import { tooLargeToParse } from './scan.js';
import { repairTornTail } from './torn-tail.js';
import { withLock, type LockOptions } from '../../files/lock.js';

export type { FailureRecord, LoggedFailure } from './record.js';
export type { LogWarning } from './scan.js';
export { streamFailures, type FailureSink } from './stream.js';
export { parseFailureLog, readFailureFile, readFailures, sidecarPathFor, type ReadFailuresResult } from './read.js';

/** Where the entries went: the log itself, or the sidecar next to it when the log could not be used. */
export interface AppendResult {
  written: 'file' | 'sidecar';
  path: string;
  /** Set with `sidecar`: what was wrong with the log, for the user. */
  warning?: string;
}

const HEADER = [
  '# Every tool-call attempt and quick fix run by aiw auto-heal, oldest first.',
  '# aiw appends one entry per line (a JSON object, which YAML reads as a flow mapping).',
  '# Safe to edit by hand; keep `failures:` the last key so appends stay cheap.',
  'failures:',
  '',
].join('\n');

/**
 * Append entries to the attempt log under its lock. Nothing is capped: the file keeps every entry.
 * Usually one `write` of one line per entry on an O_APPEND handle, after checking only the file's
 * first and last 64 KiB, so the cost does not grow with the file. A log that is not valid YAML, is
 * read-only or is not shaped like a log is never rewritten: the entries go to `sidecarPathFor(file)`
 * and the result says so. Throws MEMORY_WRITE when neither can be written, LOCK_TIMEOUT when the
 * lock cannot be had.
 */
export async function appendFailures(file: string, records: readonly FailureRecord[], options: LockOptions = {}): Promise<AppendResult> {
  for (const record of records) {
    const problem = recordProblem(record);
    if (problem) throw new AiwError('MEMORY_WRITE', `refusing to log a malformed attempt entry for ${file}: ${problem}`);
  }
  if (records.length === 0) return { written: 'file', path: file };
  try {
    await mkdir(dirname(file), { recursive: true });
  } catch (err) {
    throw new AiwError('MEMORY_WRITE', `cannot create ${dirname(file)}: ${(err as Error).message}`, { cause: err });
  }
  // The full-parse path replaces the file by rename, which would turn a link into a plain copy, and
  // all writers must lock the same real path: resolve links (only within the memory folder) first.
  const target = await resolveInside(file, memoryRootOf(file));
  const sidecar = sidecarPathFor(target);
  try {
    return await withLock(target, async () => {
      // Entries parked in the sidecar go first, so the log keeps its order once it is usable again.
      const problem = await mergeSidecar(sidecar, options, (parked) => appendToLog(target, [...parked, ...records]));
      if (problem === null) return { written: 'file', path: file };
      await toSidecar(sidecar, records, options, `${file}: ${problem}`);
      const warning = `${file} was left untouched: ${problem}. ${entries(records.length)} written to ${sidecar} instead; aiw moves them into ${file} by itself once it can be written.`;
      return { written: 'sidecar', path: sidecar, warning };
    }, options);
  } catch (err) {
    if (!(err instanceof AiwError && err.code === 'LOCK_TIMEOUT')) throw err;
    // A waiter that gives up keeps its entries: the sidecar has its own lock, and the next writer
    // that holds the log's lock moves them over.
    await toSidecar(sidecar, records, options, err.message);
    const warning = `${err.message}; ${entries(records.length)} written to ${sidecar} instead and will be moved into ${file} by the next run.`;
    return { written: 'sidecar', path: sidecar, warning };
  }
}

function entries(n: number): string {
  return `${n} attempt entr${n === 1 ? 'y was' : 'ies were'}`;
}

/** Append to the sidecar under its own lock; throws MEMORY_WRITE naming both failures when it cannot. */
async function toSidecar(sidecar: string, records: readonly FailureRecord[], options: LockOptions, why: string): Promise<void> {
  const problem = await withLock(sidecar, () => appendToLog(sidecar, records), options);
  if (problem === null) return;
  throw new AiwError('MEMORY_WRITE', `cannot log ${records.length} attempt(s): ${why}; ${sidecar}: ${problem}`, {
    location: { file: sidecar },
    hint: `fix or move the log and ${sidecar}; aiw never overwrites a log it cannot read`,
  });
}

/**
 * Run `append` with the sidecar's readable entries (none when there is no sidecar), and remove the
 * sidecar once they are in the log. A sidecar with anything aiw cannot read is left for a person.
 * The caller holds the log's lock; the sidecar's lock is taken after it, always in that order.
 */
async function mergeSidecar(sidecar: string, options: LockOptions, append: (parked: readonly FailureRecord[]) => Promise<string | null>): Promise<string | null> {
  if (!(await exists(sidecar))) return append([]);
  return withLock(sidecar, async () => {
    const parked = await readFailureFile(sidecar);
    if (parked.warnings.length > 0 || parked.records.length === 0) return append([]);
    const problem = await append(parked.records as FailureRecord[]);
    if (problem === null) await rm(sidecar, { force: true });
    return problem;
  }, options);
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new AiwError('MEMORY_WRITE', `cannot read ${path}: ${(err as Error).message}`, { cause: err, location: { file: path } });
  }
}

/**
 * The memory folder a log belongs to: `<memory>/learned/tool_failures.yaml` -> `<memory>`. Writes
 * may follow links only within it.
 */
export function memoryRootOf(file: string): string {
  const folder = dirname(file);
  return basename(folder) === 'learned' ? dirname(folder) : folder;
}

const DISK_CODES = new Set(['ENOSPC', 'EDQUOT', 'EFBIG', 'EIO']);

/** Append to `path` (caller holds the lock): null when done, or why the file cannot be used. */
async function appendToLog(path: string, records: readonly FailureRecord[]): Promise<string | null> {
  try {
    return await appendOrExplain(path, records);
  } catch (err) {
    // Every write path leaves the file as it was when the disk fills (truncate, or atomic rename).
    const code = ((err as Error).cause as NodeJS.ErrnoException | undefined)?.code;
    if (err instanceof AiwError && code !== undefined && DISK_CODES.has(code)) return `it cannot be written (${code})`;
    throw err;
  }
}

async function appendOrExplain(path: string, records: readonly FailureRecord[]): Promise<string | null> {
  let handle: FileHandle;
  try {
    // O_NOFOLLOW: a link planted at the sidecar's name, or swapped in after resolving, is not followed.
    handle = await open(path, constants.O_RDWR | constants.O_APPEND | constants.O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      await writeOrWrap(path, () => writeFileAtomic(path, HEADER + records.map((r) => recordLine(r, 2)).join('')));
      return null;
    }
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return `it cannot be written (${code})`;
    if (code === 'EISDIR') return 'it is a folder';
    if (code === 'ELOOP') return 'it is a symlink, which aiw does not follow here';
    throw wrap(path, err);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) return 'it is not a regular file';
    const info = { size: await writeOrWrap(path, () => repairTornTail(handle, stat.size)) };
    const plan = await planFastAppend(handle, info.size, path);
    if (plan === null) {
      const tooLarge = tooLargeToParse(info.size);
      if (tooLarge !== null) return tooLarge;
      const text = await readFile(path, 'utf8');
      return await writeOrWrap(path, () => rewriteLog(path, text, records));
    }
    const lines = records.map((r) => recordLine(r, plan.indent)).join('');
    try {
      await appendAll(handle, Buffer.from((plan.newlineFirst ? '\n' : '') + lines, 'utf8'));
    } catch (err) {
      // A write that failed midway (disk full, quota) leaves part of a line: cut the file back to
      // what it was, under the lock, so it stays valid YAML and the entries go to the sidecar.
      await writeOrWrap(path, () => handle.truncate(info.size));
      throw wrap(path, err);
    }
    return null;
  } finally {
    await handle.close();
  }
}

/**
 * One `write` in the normal case, so a process killed midway leaves the line whole or absent. A
 * short write (disk full) is finished with a bounded number of retries, still under the lock.
 */
async function appendAll(handle: FileHandle, buffer: Buffer): Promise<void> {
  let offset = 0;
  for (let tries = 0; offset < buffer.length && tries < 8; tries++) {
    const { bytesWritten } = await handle.write(buffer, offset);
    offset += bytesWritten;
  }
  if (offset < buffer.length) throw Object.assign(new Error(`short write: ${offset} of ${buffer.length} bytes`), { code: 'EIO' });
  await handle.datasync();
}

async function writeOrWrap<T>(path: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    throw wrap(path, err);
  }
}

function wrap(path: string, err: unknown): AiwError {
  return new AiwError('MEMORY_WRITE', `cannot write ${path}: ${(err as Error).message}`, { cause: err, location: { file: path } });
}
