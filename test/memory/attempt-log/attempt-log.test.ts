import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, lstat, mkdtemp, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { AiwError } from '../../../src/errors/errors.js';
import { appendFailures, readFailures, sidecarPathFor, type FailureRecord } from '../../../src/memory/attempt-log/attempt-log.js';
import { makeRecord } from '../fixtures/records.mjs';

const SEED = `failures:
  - tool: kubectl_get_pods
    error: "No route to host"
    fix_attempted: "vpn_connect"
    success: true
    timestamp: "2026-01-04T10:30:00"
    skill: "investigate_alert"

  - tool: gitlab_mr_list
    error: "401 Unauthorized"
    fix_attempted: "N/A - GitLab uses tokens"
    success: false
    timestamp: "2026-01-04T11:00:00"
    skill: "review_all_prs"
`;

let root: string;
let file: string;
const undo: Array<() => Promise<void>> = [];

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'aiw-failure-log-'));
  file = join(root, 'memory', 'learned', 'tool_failures.yaml');
});

afterEach(async () => {
  for (const fn of undo.splice(0)) await fn();
  await rm(root, { recursive: true, force: true });
});

const records = (n: number, writer = 0): FailureRecord[] => Array.from({ length: n }, (_, i) => makeRecord(writer, i));

async function seed(text: string | Buffer): Promise<void> {
  await appendFailures(file, records(1)); // creates the folders
  await writeFile(file, text);
}

describe('appendFailures', () => {
  it('creates the folder and a log with a comment header and failures: when none exists', async () => {
    const result = await appendFailures(file, records(2));
    expect(result).toEqual({ written: 'file', path: file });
    const text = await readFile(file, 'utf8');
    expect(text).toMatch(/^# .*\n(#.*\n)*failures:\n {2}- \{"tool":"tool_0",/);
    expect(parse(text).failures).toEqual(records(2));
    expect(await readFailures(file)).toEqual({ records: records(2), warnings: [] });
  });

  it('appends one JSON line per entry with the indentation the seed block style uses', async () => {
    await seed(SEED);
    const before = await stat(file);
    await appendFailures(file, [makeRecord(1, 1)]);
    const text = await readFile(file, 'utf8');
    expect(text).toBe(`${SEED}  - ${JSON.stringify(makeRecord(1, 1))}\n`);
    expect((await stat(file)).ino).toBe(before.ino);
    const read = await readFailures(file);
    expect(read.warnings).toEqual([]);
    expect(read.records.map((r) => r.tool)).toEqual(['kubectl_get_pods', 'gitlab_mr_list', 'tool_1']);
  });

  it('follows a list whose items are not indented', async () => {
    await seed('failures:\n- {"tool":"a","success":true,"timestamp":"t"}\n');
    await appendFailures(file, [makeRecord(0, 0)]);
    expect(await readFile(file, 'utf8')).toBe(`failures:\n- {"tool":"a","success":true,"timestamp":"t"}\n- ${JSON.stringify(makeRecord(0, 0))}\n`);
  });

  it('adds the missing final newline before its line', async () => {
    await seed('failures:\n  - {"tool":"a","success":true,"timestamp":"t"}');
    await appendFailures(file, [makeRecord(0, 0)]);
    expect(parse(await readFile(file, 'utf8')).failures).toHaveLength(2);
  });

  it('keeps every entry: nothing is capped', async () => {
    await appendFailures(file, records(300));
    for (let i = 0; i < 5; i++) await appendFailures(file, [makeRecord(1, i)]);
    expect((await readFailures(file)).records).toHaveLength(305);
    expect(parse(await readFile(file, 'utf8')).failures).toHaveLength(305);
  });

  it('appends to a large log in place, without rewriting it', async () => {
    await appendFailures(file, records(2000));
    const before = await stat(file);
    const text = await readFile(file, 'utf8');
    expect(before.size).toBeGreaterThan(256 * 1024);
    await appendFailures(file, [makeRecord(9, 9)]);
    expect((await stat(file)).ino).toBe(before.ino);
    expect(await readFile(file, 'utf8')).toBe(`${text}  - ${JSON.stringify(makeRecord(9, 9))}\n`);
  });

  it('rewrites an oddly shaped log keeping comments and keys, and moves the list last so the next append is fast', async () => {
    await seed('# my notes\n\nfailures: [] # none yet\nowner: sre # who reads this\n');
    expect(await appendFailures(file, [makeRecord(0, 0)])).toEqual({ written: 'file', path: file });
    const text = await readFile(file, 'utf8');
    expect(text).toContain('# my notes');
    expect(text).toContain('# none yet');
    expect(text).toContain('owner: sre # who reads this');
    expect(text.indexOf('owner:')).toBeLessThan(text.indexOf('failures:'));
    const before = await stat(file);
    await appendFailures(file, [makeRecord(0, 1)]);
    expect((await stat(file)).ino).toBe(before.ino);
    expect(await readFile(file, 'utf8')).toBe(`${text}  - ${JSON.stringify(makeRecord(0, 1))}\n`);
    expect(parse(await readFile(file, 'utf8'))).toEqual({ owner: 'sre', failures: records(2) });
    expect(await readFailures(file)).toEqual({ records: records(2), warnings: [] });
  });

  it.each([
    ['a log without failures', 'owner: sre\n', { owner: 'sre' }],
    ['failures: ~', 'failures: ~\n', {}],
    ['an empty file', '', {}],
    ['a list followed by an end marker', 'failures:\n  - {"tool":"a","success":true,"timestamp":"t"}\n...\n', {}],
  ])('adds entries to %s through the full parser', async (_name, text, rest) => {
    await seed(text);
    await appendFailures(file, [makeRecord(0, 0)]);
    const doc = parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    expect(doc).toMatchObject(rest);
    expect(doc.failures).toContainEqual(makeRecord(0, 0));
  });

  it('writes through a symlinked log that stays inside the memory folder instead of replacing the link', async () => {
    await seed('failures: []\n');
    const real = join(root, 'memory', 'real.yaml');
    await rename(file, real);
    await symlink(real, file);
    await appendFailures(file, [makeRecord(0, 0)]);
    await appendFailures(file, [makeRecord(0, 1)]);
    expect((await lstat(file)).isSymbolicLink()).toBe(true);
    expect(parse(await readFile(real, 'utf8')).failures).toEqual(records(2));
  });

  it('refuses a symlinked log that leads out of the memory folder, and leaves the target alone', async () => {
    await seed('failures: []\n');
    const profile = join(root, 'profile.sh');
    await writeFile(profile, 'export PATH=/usr/bin\n');
    await rm(file);
    await symlink(profile, file);
    const error = await appendFailures(file, [makeRecord(0, 0)]).catch((err: unknown) => err);
    expect(error).toMatchObject({ code: 'MEMORY_WRITE', message: expect.stringContaining('outside the memory folder') });
    expect(await readFile(profile, 'utf8')).toBe('export PATH=/usr/bin\n');
  });

  it('never follows a symlink planted at the sidecar name', async () => {
    await seed('failures:\n  - tool: a\n   bad: [unclosed\n');
    const profile = join(root, 'profile.sh');
    await writeFile(profile, 'export PATH=/usr/bin\n');
    await symlink(profile, sidecarPathFor(file));
    const error = await appendFailures(file, [makeRecord(0, 0)]).catch((err: unknown) => err);
    expect(error).toMatchObject({ code: 'MEMORY_WRITE', message: expect.stringContaining('symlink') });
    expect(await readFile(profile, 'utf8')).toBe('export PATH=/usr/bin\n');
  });

  it('refuses a malformed entry and leaves the log alone', async () => {
    await seed(SEED);
    const bad = { ...makeRecord(0, 0), success: 'yes' } as unknown as FailureRecord;
    const error = await appendFailures(file, [bad]).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(AiwError);
    expect((error as AiwError).code).toBe('MEMORY_WRITE');
    expect(await readFile(file, 'utf8')).toBe(SEED);
  });
});

describe('appendFailures with a log it cannot use', () => {
  const cases: Array<[string, string | Buffer, string]> = [
    ['invalid YAML', 'failures:\n  - tool: a\n   bad: [unclosed\n', 'not valid YAML'],
    ['binary junk', Buffer.from([0x00, 0xff, 0xfe, 0x7b, 0x3a, 0x5b, 0x0a, 0x01, 0x02, 0x5d, 0x7d, 0x3a]), 'not valid YAML'],
    ['failures: "a string"', 'failures: "a string"\n', '"failures" is not a list'],
    ['a top-level list', '- tool: a\n', 'not a mapping'],
  ];

  it.each(cases)('never overwrites %s: entries go to the sidecar, with a warning', async (_name, content, reason) => {
    await seed(content);
    const original = await readFile(file);
    const sidecar = sidecarPathFor(file);
    const first = await appendFailures(file, [makeRecord(0, 0)]);
    expect(first).toMatchObject({ written: 'sidecar', path: sidecar });
    expect(first.warning).toContain(file);
    expect(first.warning).toContain(reason);
    expect(first.warning).toContain(sidecar);
    await appendFailures(file, [makeRecord(0, 1)]);
    expect(await readFile(file)).toEqual(original);
    expect(parse(await readFile(sidecar, 'utf8')).failures).toEqual(records(2));
    expect(await readFailures(sidecar)).toEqual({ records: records(2), warnings: [] });
  });

  it('keeps a torn last line as a comment and appends after it; readers report it as torn', async () => {
    const torn = `  - ${JSON.stringify(makeRecord(9, 9)).slice(0, 40)}`;
    await seed(`failures:\n  - ${JSON.stringify(makeRecord(0, 0))}\n${torn}`);
    const before = await readFailures(file);
    expect(before.records).toEqual(records(1));
    expect(before.warnings).toEqual([expect.objectContaining({ line: 3, message: expect.stringContaining('the last entry is torn') })]);
    expect(await appendFailures(file, [makeRecord(0, 1)])).toEqual({ written: 'file', path: file });
    const text = await readFile(file, 'utf8');
    expect(text).toContain(`# aiw: torn entry kept as a comment: ${JSON.stringify(torn)}`);
    expect(parse(text).failures).toEqual(records(2));
    expect(await readFailures(file)).toEqual({ records: records(2), warnings: [] });
  });

  it('moves the sidecar back into the log once the log can be written again', async () => {
    await seed('failures:\n  - tool: a\n   bad: [unclosed\n');
    await appendFailures(file, [makeRecord(0, 0)]);
    const sidecar = sidecarPathFor(file);
    const parked = await readFailures(file);
    expect(parked.records).toEqual(records(1));
    expect(parked.warnings.map((w) => w.message).join('\n')).toContain('parked here');
    await seed(SEED);
    expect(await appendFailures(file, [makeRecord(0, 1)])).toEqual({ written: 'file', path: file });
    expect(existsSync(sidecar)).toBe(false);
    expect(parse(await readFile(file, 'utf8')).failures.slice(-2)).toEqual(records(2));
  });

  it('names the sidecar after the log', () => {
    expect(sidecarPathFor('/m/learned/tool_failures.yaml')).toBe('/m/learned/tool_failures.unsaved.yaml');
  });

  it('never writes a read-only log', async (ctx) => {
    await seed(SEED);
    const restore = await makeReadOnly(file);
    if (!restore) return ctx.skip('running as root without chattr +i: a file cannot be made read-only here');
    undo.push(restore);
    const result = await appendFailures(file, [makeRecord(0, 0)]);
    expect(result).toMatchObject({ written: 'sidecar', path: sidecarPathFor(file) });
    expect(result.warning).toContain('cannot be written');
    expect(await readFile(file, 'utf8')).toBe(SEED);
  });
});

/** chmod is enough for a normal user; root ignores it, so there use the immutable attribute. */
async function makeReadOnly(path: string): Promise<(() => Promise<void>) | null> {
  await chmod(path, 0o444);
  if (process.getuid?.() !== 0) return () => chmod(path, 0o644);
  try {
    execFileSync('chattr', ['+i', path], { stdio: 'pipe' });
  } catch (err) {
    console.warn(`chattr +i failed: ${(err as Error).message}`);
    return null;
  }
  return async () => {
    execFileSync('chattr', ['-i', path]);
    await chmod(path, 0o644);
  };
}
