import { openProject } from '../../project/project.js';
import { AiwError, EXIT } from '../../errors/errors.js';
import { normalizeSeedRecord, readSeedSections, sectionsOnlyScanned, type SeedSections } from '../../memory/attempt-log/seed-sections.js';
import { seedFailuresDoc, seedFailuresText, seedStatsText } from '../../learn/seed-sections-text.js';
import { streamFailures, type LoggedFailure } from '../../memory/attempt-log/attempt-log.js';
import type { ToolFix } from '../../memory/fix-store.js';
import { openMemoryStore } from '../../memory/open-store.js';
import { formatWarning, remedyCommand } from '../../learn/known-issues.js';
import type { PatternEntry } from '../../memory/patterns-store.js';
import { STATS_KEYS, StatsAccumulator } from '../../learn/stats.js';
import { formatStatsText } from '../../learn/stats-text.js';
import { addSecretsFromEnv, redact } from '../../secrets/redact.js';
import type { Io } from '../io.js';
import type { GlobalOptions } from '../../session/session.js';

export interface MemoryOptions extends GlobalOptions {
  json?: boolean;
  limit?: string;
}

type View = 'all' | 'fixes' | 'patterns' | 'failures' | 'stats';

const NO_SEED: SeedSections = { autoFixes: [], toolFailures: [], history: [], stats: null, warnings: [] };

/** `aiw memory [view]`: learned fixes, patterns, recent failures and heal stats, as text or one JSON document. */
export async function memoryCommand(view: string, opts: MemoryOptions, io: Io): Promise<number> {
  const limit = Number(opts.limit ?? 20);
  if (!Number.isInteger(limit) || limit < 0) throw new AiwError('USAGE', `--limit must be a whole number, got '${opts.limit}'`);
  addSecretsFromEnv(io.env);
  const project = await openProject({ root: opts.root, memoryDir: opts.memoryDir, cwd: io.cwd, env: io.env });
  const dir = project.memoryDir;
  const store = await openMemoryStore({ memoryDir: dir, config: project.config, env: io.env, onNotice: (n) => io.stderr.write(`aiw: note: ${n}\n`) });
  const want = (v: View) => view === 'all' || view === v;
  const doc: Record<string, unknown> = { memory_dir: dir };
  const warnings: string[] = [];
  const text: string[] = [];
  if (want('fixes')) {
    const { value, cacheWarning } = await store.withFixes(async (t) => ({ fixes: await t.read([...Array(t.count).keys()]), mistakes: t.extra, warnings: t.warnings }));
    for (const w of value.warnings) warnings.push(formatWarning(w));
    if (cacheWarning) warnings.push(cacheWarning);
    doc.tool_fixes = value.fixes;
    doc.common_mistakes = value.mistakes ?? {};
    text.push(...fixesText(store.fixesLocation, value.fixes));
  }
  if (want('patterns')) {
    const { value, cacheWarning } = await store.withPatterns(async (t) => ({ patterns: await t.read([...Array(t.count).keys()]), warnings: t.warnings }));
    for (const w of value.warnings) warnings.push(formatWarning(w));
    if (cacheWarning) warnings.push(cacheWarning);
    doc.patterns = value.patterns;
    text.push(...patternsText(store.patternsLocation, value.patterns));
  }
  if (want('failures') || want('stats')) {
    const file = store.attemptsLocation;
    // The Python project's extra sections live only in its files: read beside the attempt log there.
    // A log too large to parse is only looked at for them, and the stream below does that in its
    // own pass: the file is read once.
    const afterStream = store.backend === 'files' && (await sectionsOnlyScanned(file));
    let seed: SeedSections = store.backend === 'files' && !afterStream ? await readSeedSections(file) : NO_SEED;
    const seedWarningsAt = warnings.length;
    for (const w of seed.warnings) warnings.push(formatWarning(w));
    // Streamed: a log of any size is read in bounded memory (the last `limit` entries and counters).
    // Records the Python project's decorator wrote (error_snippet, fix_applied) are read with aiw's
    // names, after its failure_history: one log, never rewritten.
    let stats = new StatsAccumulator();
    let recent = new RecentEntries(limit);
    const wantStats = want('stats');
    const wantFailures = want('failures');
    const add = (record: LoggedFailure) => {
      if (wantStats) stats.add(record);
      if (wantFailures) recent.add(record);
    };
    const restart = () => {
      stats = new StatsAccumulator();
      recent = new RecentEntries(limit);
      for (const r of seed.history) add(r);
    };
    restart();
    if (store.backend === 'files') {
      // Statistics alone read a few keys of each entry, not its error text: the reader skips the rest.
      const keys = wantFailures ? undefined : STATS_KEYS;
      let scanned: boolean | undefined;
      const warningsOfLog = await streamFailures(file, { add: (record) => add(normalizeSeedRecord(record)), reset: restart, keys, sections: (found) => (scanned = found) });
      if (afterStream) {
        // Too large to parse: no history, at most a warning, which goes where it always stood.
        seed = await readSeedSections(file, scanned);
        warnings.splice(seedWarningsAt, 0, ...seed.warnings.map(formatWarning));
      }
      for (const w of warningsOfLog) warnings.push(formatWarning(w));
    } else {
      const log = await store.readAttempts();
      for (const w of log.warnings) warnings.push(formatWarning(w));
      for (const r of log.records) add(r);
    }
    if (want('failures')) {
      const newest = recent.newestFirst();
      doc.failures = { total: recent.total, recent: newest, ...seedFailuresDoc(seed) };
      text.push(`Recent failures and heal attempts (${file}; ${newest.length} of ${recent.total}, newest first):`);
      for (const r of newest) text.push(`  ${r.timestamp} ${r.tool}${r.skill ? ` [${r.skill}${r.step ? `/${r.step}` : ''}]` : ''} ${r.success ? 'ok' : r.kind === 'interrupted' ? 'interrupted' : 'failed'}${r.error_type ? ` (${r.error_type})` : ''}${r.fix_attempted ? ` fix: ${r.fix_attempted}` : ''}${r.error ? `: ${redact(r.error).split('\n')[0]!.slice(0, 120)}` : ''}`);
      text.push('', ...seedFailuresText(seed));
    }
    if (want('stats')) {
      const summary = stats.result();
      doc.stats = seed.stats ? { ...summary, python_project: seed.stats } : summary;
      // Only the view asked for is built: formatting every row costs time that --json never shows.
      if (!opts.json) text.push('Heal statistics:', formatStatsText(summary), ...seedStatsText(seed));
    }
  }
  // Done with the store: a database's connections closed now let the process end as soon as the
  // answer is out (see session.ts, memoryStoreOf).
  await store.close();
  doc.warnings = warnings;
  if (opts.json) io.stdout.write(`${JSON.stringify(doc)}\n`);
  else {
    io.stdout.write(`${text.join('\n')}\n`);
    for (const w of warnings) io.stderr.write(`aiw: warning: ${w}\n`);
  }
  return EXIT.ok;
}

/** The last `limit` entries (all of them with 0) and how many there were. */
class RecentEntries {
  total = 0;
  private readonly kept: LoggedFailure[] = [];
  constructor(private readonly limit: number) {}
  add(record: LoggedFailure): void {
    this.total++;
    this.kept.push(record);
    // Trim in blocks: shifting one element per entry would copy the array every time.
    if (this.limit > 0 && this.kept.length >= 2 * this.limit) this.kept.splice(0, this.kept.length - this.limit);
  }
  newestFirst(): LoggedFailure[] {
    return (this.limit > 0 ? this.kept.slice(-this.limit) : [...this.kept]).reverse();
  }
}

function fixesText(file: string, fixes: ToolFix[]): string[] {
  const out = [`Learned tool fixes (${file}): ${fixes.length}`];
  for (const f of fixes) {
    out.push(`  ${f.tool_name}: \`${f.error_pattern}\`${f.times_prevented ? `  (prevented ${f.times_prevented}×)` : ''}`);
    if (f.root_cause) out.push(`      root cause: ${f.root_cause}`);
    if (f.fix_applied) out.push(`      fix: ${f.fix_applied}`);
    if (f.remedy) out.push(`      remedy: ${remedyCommand(f.remedy.tool, f.remedy.args)}`);
    out.push(`      learned ${f.date_learned ?? '?'}${f.last_prevented ? `, last prevented ${f.last_prevented}` : ''} (line ${f.line})`);
  }
  out.push('');
  return out;
}

function patternsText(file: string, patterns: PatternEntry[]): string[] {
  const out = [`Known error patterns (${file}): ${patterns.length}`];
  let category = '';
  for (const p of patterns) {
    if (p.category !== category) out.push(`  ${(category = p.category)}:`);
    out.push(`    \`${p.pattern}\`${p.meaning ? ` - ${p.meaning}` : ''}`);
    if (p.fix) out.push(`        fix: ${p.fix}`);
    for (const c of p.commands) out.push(`        run: ${c}`);
  }
  out.push('');
  return out;
}
