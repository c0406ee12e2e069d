import type { FileHandle } from 'node:fs/promises';
import { findFailuresKey, prefixFits, scanSequence } from './scan.js';

/** How to append one-line entries: at which indentation, and whether the file lacks its last newline. */
export interface FastAppendPlan {
  indent: number;
  newlineFirst: boolean;
}

// Big enough for the header and many entries, small enough that reading it is cheap at any size.
const WINDOW = 64 * 1024;
const DEFAULT_INDENT = 2;

/**
 * Decide from the file's head and tail alone whether appending `<indent>- {...}` lines keeps it a
 * valid log. The head must hold the top-level `failures:` key with only a valid mapping (or
 * comments) before it; the tail must be entries of that list, each valid, so the list is the last
 * thing in the file. Anything else returns null and the caller takes the full-parse path.
 *
 * Only the head and tail are checked: a top-level key hidden in the middle of a file larger than
 * 128 KiB, followed by more than 64 KiB of list items, would go unnoticed. aiw never writes one.
 */
export async function planFastAppend(handle: FileHandle, size: number, file: string): Promise<FastAppendPlan | null> {
  if (size === 0) return null;
  const whole = size <= 2 * WINDOW;
  const head = await readAt(handle, 0, whole ? size : WINDOW);
  const headLines = head.split(/\r?\n/);
  // A window that stops mid-file may end mid-line: that partial line belongs to the tail's job.
  if (!whole) headLines.pop();
  const key = findFailuresKey(headLines);
  if (key < 0 || head.charCodeAt(0) === 0xfeff || !prefixFits(headLines, key)) return null;
  const headScan = scanSequence(headLines, key + 1, headLines.length, { file, firstLine: 1, indent: null });
  if (!headScan.fits || headScan.syntaxErrors > 0) return null;
  if (whole) return { indent: headScan.indent ?? DEFAULT_INDENT, newlineFirst: !head.endsWith('\n') };

  const indent = headScan.indent;
  if (indent === null) return null;
  const tail = await readAt(handle, size - WINDOW, WINDOW);
  const tailLines = tail.split(/\r?\n/);
  tailLines.shift();
  const tailScan = scanSequence(tailLines, 0, tailLines.length, { file, firstLine: 1, indent, midEntry: true });
  if (!tailScan.fits || tailScan.syntaxErrors > 0) return null;
  return { indent, newlineFirst: !tail.endsWith('\n') };
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<string> {
  const buffer = Buffer.alloc(length);
  let filled = 0;
  // Bounded: each read returns at least one byte until end of file, and length is at most 128 KiB.
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.toString('utf8', 0, filled);
}
