import { constants } from 'node:fs';
import { mkdir, open, readFile, realpath, type FileHandle } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { AiwError } from '../../errors/errors.js';
import { writeFileAtomic } from '../../files/atomic-write.js';
import { planFastAppend } from './plan.js';
import { recordLine, recordProblem, type FailureRecord } from './record.js';
import { rewriteLog } from './rewrite.js';
import { tooLargeToParse } from './scan.js';
import { withLock, type LockOptions } from '../../files/lock.js';

export type { FailureRecord, LoggedFailure } from './record.js';
export type { LogWarning } from './scan.js';
export { parseFailureLog, readFailures, type ReadFailuresResult } from './read.js';

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

/** `tool_failures.yaml` -> `tool_failures.unsaved.yaml`: same format, so it can be read and merged. */
export function sidecarPathFor(file: string): string {
  const ext = extname(file);
  const stem = basename(file, ext);
  return join(dirname(file), `${stem}.unsaved${ext || '.yaml'}`);
}

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
  const target = await resolveLink(file);
  return withLock(target, async () => {
    const problem = await appendToLog(target, records);
    if (problem === null) return { written: 'file', path: file };
    const sidecar = sidecarPathFor(target);
    const sidecarProblem = await appendToLog(sidecar, records);
    if (sidecarProblem !== null) {
      throw new AiwError('MEMORY_WRITE', `cannot log ${records.length} attempt(s): ${file}: ${problem}; ${sidecar}: ${sidecarProblem}`, {
        location: { file },
        hint: `fix or move ${file} and ${sidecar}; aiw never overwrites a log it cannot read`,
      });
    }
    const warning = `${file} was left untouched: ${problem}. ${records.length} attempt entr${records.length === 1 ? 'y was' : 'ies were'} written to ${sidecar} instead; fix ${file}, then move them over.`;
    return { written: 'sidecar', path: sidecar, warning };
  }, options);
}

/**
 * The file a symlinked log points at: the full-parse path replaces the file by rename, which would
 * otherwise turn the link into a plain copy. All writers lock the same real path.
 */
async function resolveLink(file: string): Promise<string> {
  try {
    return await realpath(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return file;
    throw new AiwError('MEMORY_WRITE', `cannot resolve ${file}: ${(err as Error).message}`, { cause: err, location: { file } });
  }
}

/** Append to `path` (caller holds the lock): null when done, or why the file cannot be used. */
async function appendToLog(path: string, records: readonly FailureRecord[]): Promise<string | null> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDWR | constants.O_APPEND);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      await writeOrWrap(path, () => writeFileAtomic(path, HEADER + records.map((r) => recordLine(r, 2)).join('')));
      return null;
    }
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return `it cannot be written (${code})`;
    if (code === 'EISDIR') return 'it is a folder';
    throw wrap(path, err);
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return 'it is not a regular file';
    const plan = await planFastAppend(handle, info.size, path);
    if (plan === null) {
      const tooLarge = tooLargeToParse(info.size);
      if (tooLarge !== null) return tooLarge;
      const text = await readFile(path, 'utf8');
      return await writeOrWrap(path, () => rewriteLog(path, text, records));
    }
    const lines = records.map((r) => recordLine(r, plan.indent)).join('');
    await writeOrWrap(path, () => appendAll(handle, Buffer.from((plan.newlineFirst ? '\n' : '') + lines, 'utf8')));
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
  if (offset < buffer.length) throw new Error(`short write: ${offset} of ${buffer.length} bytes`);
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
