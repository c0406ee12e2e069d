import { chmodSync, chownSync, existsSync, readdirSync, readFileSync, statSync, symlinkSync, utimesSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/files/atomic-write.js';
import { tempRoot } from '../helpers/temp-root.js';

describe('writeFileAtomic', () => {
  it('replaces the file and leaves no temporary file', async () => {
    const root = tempRoot();
    const file = root.write('memory/x.yaml', 'old\n');
    await writeFileAtomic(file, 'new\n');
    expect(readFileSync(file, 'utf8')).toBe('new\n');
    expect(readdirSync(root.path('memory'))).toEqual(['x.yaml']);
  });

  it('keeps a private file private: the mode survives the rewrite', async () => {
    const root = tempRoot();
    const file = root.write('memory/x.yaml', 'old\n');
    chmodSync(file, 0o600);
    await writeFileAtomic(file, 'new\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it.skipIf(process.getuid?.() !== 0)('keeps the owner when root rewrites another user\'s file', async () => {
    const root = tempRoot();
    const file = root.write('memory/x.yaml', 'old\n');
    chownSync(file, 65534, 65534);
    await writeFileAtomic(file, 'new\n');
    expect([statSync(file).uid, statSync(file).gid]).toEqual([65534, 65534]);
  });

  it('never writes through links planted under guessable temporary names', async () => {
    const root = tempRoot();
    const file = root.write('memory/report.xml', 'old\n');
    const victim = root.write('victim.txt', 'precious\n');
    // Every name the old scheme (.<name>.<pid>.<ms>.tmp) could pick in the next 8 seconds.
    const now = Date.now();
    const until = now + 8_000;
    for (let ms = now; ms < until; ms++) symlinkSync(victim, root.path(`memory/.report.xml.${process.pid}.${ms}.tmp`));
    // The precondition of this test, not a speed target: the write starts inside the planted window.
    expect(Date.now()).toBeLessThan(until);
    await writeFileAtomic(file, 'new\n');
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(readFileSync(file, 'utf8')).toBe('new\n');
  });

  it('replaces a symlink at the target instead of writing through it', async () => {
    const root = tempRoot({ 'memory/.keep': '' });
    const victim = root.write('victim.txt', 'precious\n');
    symlinkSync(victim, root.path('memory/x.yaml'));
    await writeFileAtomic(root.path('memory/x.yaml'), 'new\n');
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(readFileSync(root.path('memory/x.yaml'), 'utf8')).toBe('new\n');
  });

  it('removes temporary files that killed writers left long ago, and keeps recent ones', async () => {
    const root = tempRoot();
    const file = root.write('memory/x.yaml', 'old\n');
    const stale = root.write('memory/.x.yaml.4242.0123456789abcdef.tmp', 'half a write');
    const staleLock = root.write('memory/.x.yaml.lock.4242.0123456789ab.tmp', '4242\n');
    const recent = root.write('memory/.x.yaml.4343.fedcba9876543210.tmp', 'a write in progress');
    const other = root.write('memory/.y.yaml.4242.0123456789abcdef.tmp', 'another file\'s');
    const hourAgo = new Date(Date.now() - 3_600_000);
    for (const f of [stale, staleLock, other]) utimesSync(f, hourAgo, hourAgo);
    await writeFileAtomic(file, 'new\n');
    expect([stale, staleLock, recent, other].map(existsSync)).toEqual([false, false, true, true]);
  });
});
