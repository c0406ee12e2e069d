import { spawn, type ChildProcess } from 'node:child_process';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { appendFailures, readFailures, sidecarPathFor, type LoggedFailure } from '../../../src/memory/attempt-log/attempt-log.js';
import { bundleFailureLog, fixture } from '../fixtures/bundle.js';
import { makeRecord } from '../fixtures/records.mjs';

let root: string;
let bundle: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'aiw-failure-procs-'));
  bundle = await bundleFailureLog(root);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function startWriter(file: string, writer: number, appends: number): ChildProcess {
  return spawn(process.execPath, [fixture('append-loop.mjs'), bundle, file, String(writer), String(appends)], { stdio: ['ignore', 'pipe', 'pipe'] });
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal, stderr }));
  });
}

function ready(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    child.stdout?.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`writer exited (${code}) before it was ready`)));
  });
}

/** Entries per writer must be exactly makeRecord(w, 0..n-1): none torn, none lost, none doubled. */
function expectIntactPrefixes(records: LoggedFailure[], writers: number[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const record of records) {
    const writer = Number(record.run_id?.replace('writer-', ''));
    if (!writers.includes(writer)) continue;
    const seq = counts.get(writer) ?? 0;
    expect(record).toEqual(makeRecord(writer, seq));
    counts.set(writer, seq + 1);
  }
  return counts;
}

describe('appendFailures across processes', () => {
  it('loses nothing when 8 processes append 100 entries each at once', async () => {
    const file = join(root, 'parallel', 'tool_failures.yaml');
    const writers = [0, 1, 2, 3, 4, 5, 6, 7];
    const results = await Promise.all(writers.map((w) => exited(startWriter(file, w, 100))));
    for (const result of results) expect(result).toEqual({ code: 0, signal: null, stderr: '' });
    const text = await readFile(file, 'utf8');
    expect((parse(text) as { failures: unknown[] }).failures).toHaveLength(800);
    const { records, warnings } = await readFailures(file);
    expect(warnings).toEqual([]);
    expect(records).toHaveLength(800);
    const counts = expectIntactPrefixes(records, writers);
    for (const w of writers) expect(counts.get(w)).toBe(100);
  });

  it('leaves a valid log after every SIGKILL, including kills during full rewrites and while holding the lock', async () => {
    const file = join(root, 'killed', 'tool_failures.yaml');
    await appendFailures(file, [makeRecord(1000, 0)]);
    await writeFile(file, `# keep this comment\nfailures:\n  - ${JSON.stringify(makeRecord(1000, 0))}\nowner: sre\n`);
    // 25 rounds of 2 writers racing for the lock, each killed at a random moment: 50 kills.
    const rounds = 25;
    const perRound = 2;
    const writers: number[] = [];
    // On a crowded CI machine fewer rounds still prove the point; a timeout would prove nothing.
    const deadline = Date.now() + 16_000;
    let round = 0;
    for (; round < rounds && (round < 10 || Date.now() < deadline); round++) {
      // A key after the list sends the next append down the full-parse rewrite path.
      if (round % 3 === 0) await appendFile(file, `extra_${round}: ${round}\n`);
      const ids = Array.from({ length: perRound }, (_, i) => round * perRound + i);
      await Promise.all(
        ids.map(async (id) => {
          const child = startWriter(file, id, 5000);
          const done = exited(child);
          await ready(child);
          // Up to 300 ms: a cold process needs ~150 ms for a full rewrite, the rest for one-line appends.
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 300));
          child.kill('SIGKILL');
          expect((await done).signal).toBe('SIGKILL');
        }),
      );
      writers.push(...ids);

      const doc = parse(await readFile(file, 'utf8')) as Record<string, unknown>;
      expect(doc.owner).toBe('sre');
      for (let r = 0; r <= round; r += 3) expect(doc[`extra_${r}`]).toBe(r);
      const { records, warnings } = await readFailures(file);
      expect(warnings).toEqual([]);
      expect(records).toEqual(doc.failures);
      expect(records[0]).toEqual(makeRecord(1000, 0));
      expectIntactPrefixes(records, writers);
    }
    expect(await readFile(file, 'utf8')).toContain('# keep this comment');
    // The writers must have got somewhere, or the kills proved nothing.
    expect((await readFailures(file)).records.length).toBeGreaterThan(round);
    // A lock left by a killed writer must not hold up the next one: its pid is dead, so it breaks at once.
    await expect(appendFailures(file, [makeRecord(2000, 0)], { timeoutMs: 2_000 })).resolves.toEqual({ written: 'file', path: file });
  }, 120_000);

  it('breaks a lock left behind by a process that no longer exists', async () => {
    const file = join(root, 'stale', 'tool_failures.yaml');
    await appendFailures(file, [makeRecord(0, 0)]);
    const gone = spawn(process.execPath, ['-e', '']);
    await exited(gone);
    await writeFile(`${file}.lock`, `${gone.pid}\n`);
    await expect(appendFailures(file, [makeRecord(0, 1)], { timeoutMs: 2_000 })).resolves.toMatchObject({ written: 'file' });
    expect((await readFailures(file)).records).toHaveLength(2);
  });

  it('waits for a live holder, gives up instead of hanging, and keeps the entry in the sidecar until the next write', async () => {
    const file = join(root, 'held', 'tool_failures.yaml');
    await appendFailures(file, [makeRecord(0, 0)]);
    await writeFile(`${file}.lock`, `${process.pid}\n`);
    const result = await appendFailures(file, [makeRecord(0, 1)], { timeoutMs: 200 });
    expect(result).toMatchObject({ written: 'sidecar', path: sidecarPathFor(file) });
    expect(result.warning).toContain('timed out after 200 ms');
    expect((await readFailures(file)).records).toEqual([makeRecord(0, 0), makeRecord(0, 1)]);
    await rm(`${file}.lock`);
    await appendFailures(file, [makeRecord(0, 2)]);
    expect(existsSync(sidecarPathFor(file))).toBe(false);
    expect((parse(await readFile(file, 'utf8')) as { failures: unknown[] }).failures).toEqual([0, 1, 2].map((n) => makeRecord(0, n)));
  });
});
