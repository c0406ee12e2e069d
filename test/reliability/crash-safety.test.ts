import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { readFailures } from '../../src/memory/attempt-log/attempt-log.js';
import { lookupKnownIssues } from '../../src/learn/known-issues.js';
import { crashFix, crashRecord } from './fixtures/crash-records.mjs';
import { bundleMemoryWriters, fixture } from './support/bundle.js';
import { prng } from './support/prng.js';
import { scratch, type Scratch } from './support/scratch.js';
import { recordFigure } from './support/figures.js';

/**
 * Promise: a process killed (SIGKILL) at any point while it writes a memory file leaves that file
 * either as it was before the write or as it is after it, and always valid YAML. 4 writers x 50
 * kills: tool_failures.yaml by one-line appends and by full rewrites, tool_fixes.yaml by learn-fix
 * and by times_prevented updates. Each kill lands at a seeded random moment of a writer that writes
 * as fast as it can; the next writer continues the same file (breaking the dead writer's lock).
 */
const KILLS_PER_WRITER = 50;
const SEED = 20260104;
// A hang guard for 50 process starts per writer on a busy 2-core machine, not a performance target.
const TIMEOUT_MS = 180_000;

let work: Scratch;
let bundle: string;

beforeAll(async () => {
  work = scratch('crash');
  bundle = await bundleMemoryWriters(work.dir);
});

afterAll(() => work?.remove());

interface Round {
  /** Text of the file after the kill ('' when it does not exist yet). */
  text: string;
  ino: number;
}

/** Start a writer, let it write for a seeded 0-30 ms after its first write, SIGKILL it, return the file. */
async function killRound(mode: string, memoryDir: string, file: string, delayMs: number): Promise<Round> {
  const child = spawn(process.execPath, [fixture('kill-writer.mjs'), bundle, mode, memoryDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    void exited.then(({ code }) => reject(new Error(`${mode} writer exited (${code}) before it was ready: ${stderr}`)));
  });
  await new Promise((r) => setTimeout(r, delayMs));
  child.kill('SIGKILL');
  const { signal } = await exited;
  // A writer that stopped by itself failed: its stderr says why.
  expect({ signal, stderr }).toEqual({ signal: 'SIGKILL', stderr: '' });
  try {
    return { text: readFileSync(file, 'utf8'), ino: statSync(file).ino };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { text: '', ino: 0 };
    throw err;
  }
}

/** Parse as YAML; any error fails the test with the file's position. */
function parseValid(text: string, what: string): Record<string, unknown> {
  const doc = parseDocument(text);
  expect(doc.errors.map((e) => `${what}: ${e.message}`)).toEqual([]);
  return (doc.toJS() ?? {}) as Record<string, unknown>;
}

/** Hidden temporary files a killed writer may leave (never read by aiw): counted for the report. */
function leftovers(dir: string): number {
  return readdirSync(dir).filter((n) => n.startsWith('.') && n.endsWith('.tmp')).length;
}

/**
 * Kill a chain of `mode` writers, KILLS_PER_WRITER times, on one file (seeded with `seed` when
 * given), running `check` on the file after each kill. Returns how many kills changed the file and
 * how many hidden temporary files the killed writers left.
 */
async function chain(mode: string, lane: number, check: (round: Round, previous: Round, kill: number) => Promise<void> | void, seed?: string): Promise<{ changed: number; leftovers: number }> {
  const memoryDir = work.path(mode, 'memory');
  const learned = join(memoryDir, 'learned');
  const file = join(learned, mode === 'append' || mode === 'rewrite' ? 'tool_failures.yaml' : 'tool_fixes.yaml');
  if (seed !== undefined) work.write(relative(work.dir, file), seed);
  const rng = prng(SEED + lane);
  let previous: Round = seed !== undefined ? { text: seed, ino: statSync(file).ino } : { text: '', ino: 0 };
  let changed = 0;
  for (let kill = 0; kill < KILLS_PER_WRITER; kill++) {
    const round = await killRound(mode, memoryDir, file, rng.int(30));
    await check(round, previous, kill);
    if (round.text !== previous.text) changed++;
    previous = round;
  }
  return { changed, leftovers: leftovers(learned) + leftovers(memoryDir) };
}

function failuresOf(text: string, what: string): unknown[] {
  return (parseValid(text, what).failures as unknown[] | null | undefined) ?? [];
}

describe('crash safety: SIGKILL at any moment of a memory write leaves the old or the new file, always valid', () => {
  it.concurrent(`tool_failures.yaml, one-line appends: ${KILLS_PER_WRITER} kills, every file an intact prefix of the same sequence`, async () => {
    let entries = 0;
    const result = await chain('append', 0, async (round, previous, kill) => {
      if (!round.text) return;
      const list = failuresOf(round.text, `append kill ${kill}`);
      // Old or new: the previous file is untouched (appends only add), and every entry is whole.
      expect(round.text.startsWith(previous.text)).toBe(true);
      expect(list).toEqual(list.map((_, n) => crashRecord(n)));
      expect(list.length).toBeGreaterThanOrEqual(entries);
      entries = list.length;
      const read = await readFailures(join(work.path('append', 'memory'), 'learned', 'tool_failures.yaml'));
      expect(read.warnings).toEqual([]);
      expect(read.records).toHaveLength(list.length);
    });
    expect(entries).toBeGreaterThan(0);
    recordFigure('crash.append', { kills: KILLS_PER_WRITER, changed: result.changed, entries, leftovers: result.leftovers });
  }, TIMEOUT_MS);

  it.concurrent(`tool_failures.yaml, full rewrites (a hand-edited head aiw cannot append to): ${KILLS_PER_WRITER} kills, comments and other keys kept`, async () => {
    let entries = 0;
    const notes = Array.from({ length: 2000 }, (_, i) => `line ${i} of a long hand-written note that pushes failures past the 64 KiB head\n`).join('');
    const result = await chain('rewrite', 1, (round, previous, kill) => {
      const doc = parseValid(round.text, `rewrite kill ${kill}`);
      const list = (doc.failures as unknown[] | null) ?? [];
      expect(round.text).toContain('# crash test: keep this comment');
      expect(doc.owner).toBe('sre');
      expect(doc.notes).toBe(notes);
      expect(list).toEqual(list.map((_, n) => crashRecord(n)));
      expect(list.length).toBeGreaterThanOrEqual(entries);
      // Every entry went through the rewrite path (a fast append writes compact JSON lines), and
      // the file was replaced (a new inode) only when its entries changed. (The converse cannot be
      // checked: a later rewrite may reuse a freed inode number.)
      expect(round.text).not.toMatch(/^ {2}- \{"tool":/m);
      if (round.ino !== previous.ino) expect(list.length).not.toBe(entries);
      entries = list.length;
    }, `# crash test: keep this comment\nowner: sre # and this one\nnotes: |\n${notes.split('\n').filter(Boolean).map((l) => `  ${l}`).join('\n')}\nfailures:\n`);
    expect(entries).toBeGreaterThan(0);
    recordFigure('crash.rewrite', { kills: KILLS_PER_WRITER, changed: result.changed, entries, leftovers: result.leftovers });
  }, TIMEOUT_MS);

  it.concurrent(`tool_fixes.yaml, learn-fix: ${KILLS_PER_WRITER} kills, the hand-written head byte-for-byte, every fix whole, lookups agree with the file`, async () => {
    const head = '# Team fixes. Keep this comment.\ncommon_mistakes:\n  flags: { description: "missing --yes", examples: ["x"] }\ntool_fixes:\n  - tool_name: kubectl_get_pods   # the seed wrote this one\n    error_pattern: "You must be logged in"\n    root_cause: expired login\n    fix_applied: "kube_login"\n    date_learned: "2025-12-01"\n    times_prevented: 3\n';
    let fixes = 0;
    const memoryDir = work.path('learn', 'memory');
    const result = await chain('learn', 2, async (round, _previous, kill) => {
      const doc = parseValid(round.text, `learn kill ${kill}`);
      expect(round.text.startsWith(head)).toBe(true);
      const list = (doc.tool_fixes as Array<Record<string, unknown>>).slice(1);
      expect(list).toEqual(list.map((_, n) => {
        const f = crashFix(n);
        return { tool_name: f.tool, error_pattern: f.pattern, root_cause: f.rootCause, fix_applied: f.fix, date_learned: f.today, times_prevented: 0 };
      }));
      expect(list.length).toBeGreaterThanOrEqual(fixes);
      fixes = list.length;
      // The lookup cache is rebuilt or trusted correctly: the newest fix is found, the next is not.
      if (fixes > 0) {
        const last = crashFix(fixes - 1);
        expect((await lookupKnownIssues(memoryDir, last.tool, last.pattern)).matches.map((m) => m.pattern)).toEqual([last.pattern]);
      }
      const next = crashFix(fixes);
      expect((await lookupKnownIssues(memoryDir, next.tool, next.pattern)).matches).toEqual([]);
    }, head);
    expect(fixes).toBeGreaterThan(0);
    recordFigure('crash.learn', { kills: KILLS_PER_WRITER, changed: result.changed, entries: fixes, leftovers: result.leftovers });
  }, TIMEOUT_MS);

  it.concurrent(`tool_fixes.yaml, times_prevented updates: ${KILLS_PER_WRITER} kills, the count only grows and nothing else changes`, async () => {
    const seed = [
      '# Counted fixes. Keep this comment.',
      'tool_fixes:',
      '  - tool_name: counted',
      '    error_pattern: "counter pattern"   # a trailing comment',
      '    root_cause: "r"',
      '    fix_applied: "f"',
      '    date_learned: "2026-01-01"',
      '    times_prevented: 0',
      '    remedy: { tool: "login", args: { cluster: "stage" } }',
      '  - tool_name: other',
      '    error_pattern: /other \\d+/i',
      '    root_cause: untouched',
      '    times_prevented: 7',
      '',
    ].join('\n');
    const memoryDir = work.path('prevent', 'memory');
    let count = 0;
    let template: string | undefined;
    const result = await chain('prevent', 3, async (round, _previous, kill) => {
      const doc = parseValid(round.text, `prevent kill ${kill}`);
      const [counted, other] = doc.tool_fixes as Array<Record<string, unknown>>;
      const now = counted!.times_prevented as number;
      expect(Number.isInteger(now)).toBe(true);
      expect(now).toBeGreaterThanOrEqual(count);
      expect(other).toEqual({ tool_name: 'other', error_pattern: '/other \\d+/i', root_cause: 'untouched', times_prevented: 7 });
      // Every version after the first update differs from the first only in the count.
      if (now > 0) {
        template ??= round.text.replace(`times_prevented: ${now}`, 'times_prevented: N');
        expect(round.text).toBe(template.replace('times_prevented: N', `times_prevented: ${now}`));
      } else {
        expect(round.text).toBe(seed);
      }
      count = now;
      const found = await lookupKnownIssues(memoryDir, 'counted', 'counter pattern');
      expect(found.matches.map((m) => m.times_prevented)).toEqual([now]);
    }, seed);
    expect(count).toBeGreaterThan(0);
    recordFigure('crash.prevent', { kills: KILLS_PER_WRITER, changed: result.changed, entries: count, leftovers: result.leftovers });
  }, TIMEOUT_MS);
});
