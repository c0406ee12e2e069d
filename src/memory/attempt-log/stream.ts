import { forEachLines } from './read-text.js';
import type { EntryKeys } from './fast-entry.js';
import { LineScan } from './line-scan.js';
import type { LoggedFailure } from './record.js';
import { readFailureFile, sidecarPathFor, unreadableWarning } from './read.js';
import type { LogWarning } from './scan.js';
import { WarningSummary } from './summarise.js';

/** Where streamed entries go. `reset` forgets everything added: the file is then read another way. */
export interface FailureSink {
  add(record: LoggedFailure): void;
  reset(): void;
  /**
   * The entry keys `add` reads, when only some: entries in aiw's own one-line shape then come with
   * just these set (read without the rest, such as the long error text); other entries come whole.
   */
  readonly keys?: EntryKeys;
  /**
   * Told, once the log itself was read through by the line scan, whether a line of it starts one of
   * the Python project's sections (what `readSeedSections` would otherwise read the file again to
   * find out for a large log). Not called when the log was read another way.
   */
  sections?(found: boolean): void;
}

/**
 * Read the attempt log and its sidecar entry by entry, in order, giving each entry to `sink`, and
 * return the warnings (summarised). Only a few thousand lines are held at a time, so a log of any
 * size is read in bounded memory; the result is what `readFailures` gives. A log not laid out as
 * aiw writes it (another key after the list, tabs) is read whole instead, after `sink.reset()`.
 */
export async function streamFailures(file: string, sink: FailureSink): Promise<LogWarning[]> {
  const summary = new WarningSummary();
  // A memory folder that is a file hides the sidecar too: one warning is enough.
  if ((await streamOne(file, sink, summary)) === 'no folder') return summary.list();
  const sidecar = sidecarPathFor(file);
  let parked = 0;
  await streamOne(sidecar, { add: (r) => (parked++, sink.add(r)), reset: () => undefined, keys: sink.keys }, summary);
  if (parked > 0) {
    summary.add({
      file: sidecar, line: 1, col: 1,
      message: `${parked} entr${parked === 1 ? 'y is' : 'ies are'} parked here because ${file} could not be written; they are included, and the next run that can write ${file} moves them there`,
    });
  }
  return summary.list();
}

async function streamOne(file: string, sink: FailureSink, summary: WarningSummary): Promise<'no folder' | undefined> {
  const warnings: LogWarning[] = [];
  let fits: boolean;
  try {
    fits = await scanStream(file, sink, (w) => warnings.push(w));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (!code) throw err;
    summary.add(unreadableWarning(file, err));
    return code === 'ENOTDIR' ? 'no folder' : undefined;
  }
  if (!fits) {
    sink.reset();
    const whole = await readFailureFile(file);
    for (const r of whole.records) sink.add(r);
    for (const w of whole.warnings) summary.add(w);
    return undefined;
  }
  for (const w of warnings) summary.add(w);
  return undefined;
}

/** Scan `file` line by line; false as soon as it is not laid out for the line scan. */
async function scanStream(file: string, sink: FailureSink, warn: (w: LogWarning) => void): Promise<boolean> {
  const scan = new LineScan(file, (r) => sink.add(r), warn, sink.keys);
  const fits = await forEachLines(file, (bytes, last, bom) => scan.chunk(bytes, last, bom));
  if (fits && scan.sections !== undefined) sink.sections?.(scan.sections);
  return fits;
}
