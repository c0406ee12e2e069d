import { randomBytes } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';

/**
 * Who holds a lock, written into the lock file. Besides pid and host it names the boot (a pid from
 * an earlier boot means nothing), the pid namespace (two containers may share a host name and a
 * memory folder) and the process start time (a pid can be reused by an unrelated process). With
 * those a waiter can prove a local holder dead without looking at any clock.
 */
export interface LockOwner {
  pid: number;
  host: string;
  token: string;
  boot?: string;
  pidns?: string;
  start?: string;
}

/**
 * This process's host, boot and pid namespace, read when a lock is first taken or judged: a command
 * that loads the lock modules without taking a lock (a PostgreSQL lookup, a green run) pays for
 * neither node:os nor the reads.
 */
function thisProcess(): { host: string; boot: string | undefined; pidns: string | undefined } {
  return (facts ??= {
    host: process.getBuiltinModule('node:os').hostname(),
    boot: readOrUndefined(() => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()),
    pidns: readOrUndefined(() => readlinkSync('/proc/self/ns/pid')),
  });
}
let facts: ReturnType<typeof thisProcess> | undefined;

function readOrUndefined(read: () => string): string | undefined {
  try {
    return read() || undefined;
  } catch {
    // Not Linux (or /proc hidden): locals are then judged by pid alone, others by their lease.
    return undefined;
  }
}

/**
 * Start time of `pid` in clock ticks since boot (field 22 of /proc/<pid>/stat), or undefined when
 * /proc cannot tell (not Linux, or the process is gone).
 */
export function startTimeOf(pid: number): string | undefined {
  return procStat(pid)?.[19];
}

/** Fields of /proc/<pid>/stat after the command name: [0] is the state, [19] the start time. */
function procStat(pid: number): string[] | undefined {
  const text = readOrUndefined(() => readFileSync(`/proc/${pid}/stat`, 'utf8'));
  // "pid (comm) S ppid ...": comm may hold spaces and parentheses, so count from the last ')'.
  return text === undefined ? undefined : text.slice(text.lastIndexOf(')') + 2).split(' ');
}

/** The text this process writes into a lock it takes; a fresh token per lock tells holders apart. */
export function ownerText(): string {
  const { host, boot, pidns } = thisProcess();
  const lines = [String(process.pid), host, randomBytes(8).toString('hex')];
  if (boot) lines.push(`boot=${boot}`);
  if (pidns) lines.push(`pidns=${pidns}`);
  const start = startTimeOf(process.pid);
  if (start) lines.push(`start=${start}`);
  return `${lines.join('\n')}\n`;
}

/** Parse a lock file; older aiw wrote only `pid\nhost\ntoken\n` (and before that only the pid). */
export function parseOwner(text: string): LockOwner {
  const [pidText = '', host = '', token = '', ...rest] = text.split('\n');
  const owner: LockOwner = { pid: Number.parseInt(pidText, 10), host, token };
  for (const line of rest) {
    const eq = line.indexOf('=');
    const key = line.slice(0, eq);
    if (key === 'boot' || key === 'pidns' || key === 'start') owner[key] = line.slice(eq + 1);
  }
  return owner;
}

/**
 * What a waiter can tell from the lock file alone: `dead` (a local holder that is provably gone),
 * `alive` (a local holder that is provably running: never broken) or `unknown` (another host or
 * container, or a lock without the facts to decide: judged by its lease).
 */
export function localVerdict(owner: LockOwner): 'dead' | 'alive' | 'unknown' {
  const pidKnown = Number.isInteger(owner.pid) && owner.pid > 0;
  // No host: a lock written before hosts were recorded, by a process on this machine.
  const { host, boot, pidns } = thisProcess();
  const sameHost = owner.host === '' || owner.host === host;
  if (!sameHost || !pidKnown) return 'unknown';
  // Same name, another boot or pid namespace: possibly another machine or container; ask the lease.
  if (owner.boot !== undefined && boot !== undefined && owner.boot !== boot) return 'unknown';
  if (owner.pidns !== undefined && pidns !== undefined && owner.pidns !== pidns) return 'unknown';
  if (!isAlive(owner.pid)) return 'dead';
  const stat = procStat(owner.pid);
  // A zombie has exited and holds nothing; only its parent has not collected it yet.
  if (stat?.[0] === 'Z') return 'dead';
  if (owner.start === undefined) return 'unknown';
  const start = stat?.[19];
  if (start === undefined) return 'unknown';
  // The pid is taken by a process that started at another moment: the holder is gone.
  return start === owner.start ? 'alive' : 'dead';
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
