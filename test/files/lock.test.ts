import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, utimes, writeFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { withLock } from '../../src/files/lock.js';
import { ownerText, startTimeOf } from '../../src/files/lock-owner.js';
import { tempRoot } from '../helpers/temp-root.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

/** A lock file as this process would write it, with some lines replaced. */
function lockText(changes: { pid?: number; host?: string; start?: string }): string {
  const lines = ownerText().trimEnd().split('\n');
  if (changes.pid !== undefined) lines[0] = String(changes.pid);
  if (changes.host !== undefined) lines[1] = changes.host;
  const start = lines.findIndex((l) => l.startsWith('start='));
  if (changes.start !== undefined && start >= 0) lines[start] = `start=${changes.start}`;
  return `${lines.join('\n')}\n`;
}

const DAY_AGO = () => new Date(Date.now() - 86_400_000);

describe('withLock', () => {
  it('never breaks a lock held by a live process on this host, however old its time stamp looks', async () => {
    const root = tempRoot();
    const file = root.path('memory/x.yaml');
    const lock = root.write('memory/x.yaml.lock', lockText({}));
    // Seen from a process whose clock runs a day ahead, the lock is a day old.
    await utimes(lock, DAY_AGO(), DAY_AGO());
    const error = await withLock(file, async () => 'ran', { staleMs: 50, timeoutMs: 600 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'LOCK_TIMEOUT' });
    expect(existsSync(lock)).toBe(true);
  });

  it('breaks at once a lock whose pid now belongs to another live process (pid reuse)', async (ctx) => {
    if (startTimeOf(process.pid) === undefined) return ctx.skip('no /proc here: a reused pid cannot be told from its holder');
    const other = spawn('sleep', ['30'], { stdio: 'ignore' });
    children.push(other);
    await new Promise((resolve) => other.once('spawn', resolve));
    const root = tempRoot();
    const file = root.path('memory/x.yaml');
    root.write('memory/x.yaml.lock', lockText({ pid: other.pid!, start: '1' }));
    // The lease is far longer than the timeout: only the start time can prove the holder gone.
    await expect(withLock(file, async () => 'ran', { staleMs: 60_000, timeoutMs: 5_000 })).resolves.toBe('ran');
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it('keeps a lock of another host while its holder renews the lease, whatever time the holder writes', async () => {
    const root = tempRoot();
    const file = root.path('memory/x.yaml');
    const lock = root.write('memory/x.yaml.lock', lockText({ host: 'elsewhere.example' }));
    // The holder's clock runs a day behind: every renewal stamps a time a day in the past.
    const renew = setInterval(() => void utimes(lock, DAY_AGO(), DAY_AGO()), 20);
    try {
      const error = await withLock(file, async () => 'ran', { staleMs: 300, timeoutMs: 1_500 }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'LOCK_TIMEOUT' });
    } finally {
      clearInterval(renew);
    }
    expect(await readFile(lock, 'utf8')).toContain('elsewhere.example');
  });

  it('breaks a lock of another host once the waiter has watched its lease go unrenewed', async () => {
    const root = tempRoot();
    const file = root.path('memory/x.yaml');
    const lock = root.write('memory/x.yaml.lock', lockText({ host: 'elsewhere.example' }));
    // A time stamp in the future (the holder's clock ran ahead) must not keep a dead lease alive.
    const ahead = new Date(Date.now() + 86_400_000);
    await utimes(lock, ahead, ahead);
    await expect(withLock(file, async () => 'ran', { staleMs: 200, timeoutMs: 5_000 })).resolves.toBe('ran');
  });

  it('renews its own lease while it holds the lock', async () => {
    const root = tempRoot({ 'memory/.keep': '' });
    const file = root.path('memory/x.yaml');
    const stamps = new Set<number>();
    await withLock(file, async () => {
      const { stat } = await import('node:fs/promises');
      for (let i = 0; i < 8; i++) {
        stamps.add((await stat(`${file}.lock`)).ctimeMs);
        await new Promise((resolve) => setTimeout(resolve, 40));
      }
    }, { staleMs: 160 });
    expect(stamps.size).toBeGreaterThan(1);
  });

  it('breaks a lock whose holder has exited', async () => {
    const root = tempRoot();
    const file = root.path('memory/x.yaml');
    const gone = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    await new Promise((resolve) => gone.once('exit', resolve));
    await writeFile(root.write('memory/x.yaml.lock', ''), lockText({ pid: gone.pid! }));
    await expect(withLock(file, async () => 'ran', { staleMs: 60_000, timeoutMs: 5_000 })).resolves.toBe('ran');
  });
});
