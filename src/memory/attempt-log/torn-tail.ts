import type { FileHandle } from 'node:fs/promises';

// An entry aiw writes is one line well under this; a longer unfinished line is not aiw's to judge.
const WINDOW = 64 * 1024;
const ENTRY = /^ *- \{/;

/** True when `line` looks like the start of one of aiw's one-line entries but is not a whole one. */
export function isTornEntry(line: string): boolean {
  if (!ENTRY.test(line)) return false;
  try {
    JSON.parse(line.slice(line.indexOf('{')));
    return false;
  } catch {
    return true;
  }
}

/** The warning text for a torn final entry, shared by readers. */
export const TORN_MESSAGE = 'the last entry is torn (the file ends in the middle of it, as after a full disk or a killed writer of an older aiw): skipped; the next write keeps its bytes as a comment';

/**
 * A log whose last line is an unfinished entry (left by a write that failed midway, before aiw cut
 * such writes back) can never be appended to safely. Under the lock, turn that line into a comment
 * holding its bytes, so the file is valid again and nothing is thrown away. Returns the new size.
 */
export async function repairTornTail(handle: FileHandle, size: number): Promise<number> {
  if (size === 0) return size;
  const length = Math.min(size, WINDOW);
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, size - length);
  const tail = buffer.subarray(0, bytesRead);
  if (tail[tail.length - 1] === 0x0a) return size;
  const cut = tail.lastIndexOf(0x0a);
  // No line start in the window: a long foreign line; the full-parse path decides about it.
  if (cut < 0 && length < size) return size;
  const line = tail.subarray(cut + 1).toString('utf8');
  if (!isTornEntry(line)) return size;
  const start = size - tail.length + cut + 1;
  const comment = Buffer.from(`# aiw: torn entry kept as a comment: ${JSON.stringify(line)}\n`, 'utf8');
  await handle.truncate(start);
  await handle.write(comment, 0, comment.length, start);
  await handle.datasync();
  return start + comment.length;
}
