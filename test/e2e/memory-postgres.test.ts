import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFailures } from '../../src/memory/attempt-log/attempt-log.js';
import { learnedFile } from '../../src/memory/fix-store.js';
import { query, requirePostgres, startPostgres, type PgServer } from '../helpers/postgres.js';
import { tempRoot, type TempRoot } from '../helpers/temp-root.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'aiw.js');
const ok = requirePostgres('e2e: memory in PostgreSQL');

let server: PgServer;
beforeAll(async () => {
  if (ok) server = await startPostgres();
});
afterAll(() => server?.destroy());

interface Exec { code: number; stdout: string; stderr: string }
const outputs: string[] = [];

/** The built `aiw`, as a user runs it; every byte it prints is kept to check for the password. */
function aiw(root: TempRoot, args: string[], env: Record<string, string> = {}, onSpawn?: () => void): Promise<Exec> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, '--root', root.dir, ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, CI: 'true', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      outputs.push(stdout, stderr);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    onSpawn?.();
  });
}

/**
 * `deploy` fails with "manifest unknown" until `make_token` has made the token of this process
 * ($RUN_TAG), so every run fails once and heals by the learned remedy. `deploy2`/`make_token2` the
 * same with a second token; `wait_for_go` holds a run until the test says go.
 */
function project(): TempRoot {
  const root = tempRoot();
  const tokens = root.path('tokens');
  root.script('tools/deploy.sh', `if [ -f '${tokens}/'"$RUN_TAG$1" ]; then echo deployed; else echo "Error: manifest unknown: image not found" >&2; exit 1; fi`);
  root.script('tools/make-token.sh', `mkdir -p '${tokens}' && touch '${tokens}/'"$RUN_TAG$1"`);
  root.script('tools/wait.sh', `touch '${root.path('waiting')}'; i=0; while [ ! -f '${root.path('go')}' ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; echo went`);
  root.write('tools/t.yaml', `tools:
  deploy:
    description: deploy the image
    command: ["${root.path('tools/deploy.sh')}"]
  deploy2:
    description: deploy the second image
    command: ["${root.path('tools/deploy.sh')}", "-2"]
  make_token:
    description: create the token deploy needs
    command: ["${root.path('tools/make-token.sh')}"]
    remedy_safe: true
  make_token2:
    description: create the token deploy2 needs
    command: ["${root.path('tools/make-token.sh')}", "-2"]
    remedy_safe: true
  wait_for_go:
    description: wait until the test says go
    command: ["${root.path('tools/wait.sh')}"]
`);
  root.write('skills/ship.yaml', 'name: ship\nsteps:\n  - name: deploy\n    tool: deploy\n    on_error: auto_heal\n');
  root.write('skills/ship2.yaml', 'name: ship2\nsteps:\n  - name: first\n    tool: deploy\n    on_error: auto_heal\n  - name: wait\n    tool: wait_for_go\n  - name: second\n    tool: deploy2\n    on_error: auto_heal\n');
  root.write('aiw.config.yaml', 'memory:\n  backend: postgres\n');
  return root;
}


/** Records one healed `ship` run writes, measured with the file backend (the reference). */
async function recordsPerHealedRun(): Promise<number> {
  const root = project();
  root.write('aiw.config.yaml', '{}\n');
  await aiw(root, ['learn-fix', 'deploy', 'manifest unknown', 'no token', 'make one', '--remedy-tool', 'make_token', '--trust']);
  const run = await aiw(root, ['run', 'ship', '--json'], { RUN_TAG: 'ref' });
  expect(JSON.parse(run.stdout).steps[0].status).toBe('healed');
  return (await readFailures(learnedFile(root.path('memory'), 'tool_failures'))).records.length;
}

describe.skipIf(!ok)('memory in PostgreSQL, through the built binary', () => {
  it('needs a URL when the config selects postgres (exit 2), and says how to give one', async () => {
    const root = project();
    const res = await aiw(root, ['known-issues', '--tool', 'deploy']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('AIW_MEMORY_URL');
  });

  it('50 processes at once (healing runs, learn-fix, readers), twice: every attempt and fix present exactly once', async () => {
    const perRun = await recordsPerHealedRun();
    const url = await server.createDatabase();
    const env = { AIW_MEMORY_URL: url };
    const root = project();
    expect((await aiw(root, ['memory', 'migrate'], env)).code).toBe(0);
    expect((await aiw(root, ['learn-fix', 'deploy', 'manifest unknown', 'no token', 'make one', '--remedy-tool', 'make_token', '--trust'], env)).code).toBe(0);
    for (let round = 0; round < 2; round++) {
      const jobs: Array<Promise<Exec & { kind: string }>> = [];
      for (let i = 0; i < 50; i++) {
        const tag = (kind: string) => (r: Exec) => ({ ...r, kind });
        if (i % 5 === 0 || i % 5 === 1) {
          jobs.push(aiw(root, ['learn-fix', `tool_${i % 7}`, `error ${i % 7}`, 'cause', `fix from round ${round}`], env).then(tag('learn')));
        } else if (i % 5 === 2) {
          jobs.push(aiw(root, [i % 2 ? 'known-issues' : 'memory', ...(i % 2 ? ['--tool', 'deploy', '--error', 'manifest unknown'] : ['fixes']), '--json'], env).then(tag('read')));
        } else {
          jobs.push(aiw(root, ['run', 'ship', '--json'], { ...env, RUN_TAG: `r${round}-${i}` }).then(tag('run')));
        }
      }
      const results = await Promise.all(jobs);
      for (const r of results) {
        expect({ kind: r.kind, code: r.code, warned: /warning/.test(r.stderr) }).toEqual({ kind: r.kind, code: 0, warned: false });
        if (r.kind === 'run') expect(JSON.parse(r.stdout).steps[0].status).toBe('healed');
        if (r.kind === 'read') expect(() => JSON.parse(r.stdout)).not.toThrow();
      }
      const runs = results.filter((r) => r.kind === 'run').length;
      const perRunId = await query<{ run_id: string; n: number }>(url, `SELECT record->>'run_id' AS run_id, count(*)::int AS n FROM aiw_attempts GROUP BY 1`);
      expect(perRunId).toHaveLength(runs * (round + 1));
      expect(perRunId.every((r) => r.n === perRun)).toBe(true);
      const fixes = await query<{ tool_name: string; times_prevented: number }>(url, 'SELECT tool_name, times_prevented::int FROM aiw_fixes ORDER BY id');
      expect(fixes).toHaveLength(1 + 7);
      expect(fixes[0]).toEqual({ tool_name: 'deploy', times_prevented: runs * (round + 1) });
    }
    expect(await query(url, 'SELECT count(*)::int AS n FROM (SELECT tool_name, pattern_key FROM aiw_fixes GROUP BY 1, 2 HAVING count(*) > 1) d')).toEqual([{ n: 0 }]);
    expect(outputs.join('')).not.toContain(server.password);
  }, 400_000);

  it('the database stopped in the middle of a run: the run still heals, exit code unchanged, nothing lost, the spool drains once', async () => {
    const url = await server.createDatabase();
    const env = { AIW_MEMORY_URL: url, RUN_TAG: 'fault' };
    const root = project();
    await aiw(root, ['learn-fix', 'deploy', 'manifest unknown', 'no token', 'make one', '--remedy-tool', 'make_token', '--trust'], env);
    await aiw(root, ['learn-fix', 'deploy2', 'manifest unknown', 'no token', 'make one', '--remedy-tool', 'make_token2', '--trust'], env);
    // A run before this one saw both fixes, so this machine has its local copy.
    expect((await aiw(root, ['known-issues', '--tool', 'deploy2', '--json'], env)).code).toBe(0);
    const running = aiw(root, ['run', 'ship2', '--json'], env);
    for (let i = 0; i < 300 && !existsSync(root.path('waiting')); i++) await new Promise((r) => setTimeout(r, 100));
    server.stop();
    let run: Exec;
    try {
      writeFileSync(root.path('go'), '');
      run = await running;
    } finally {
      server.start();
    }
    const doc = JSON.parse(run.stdout);
    expect(run.code).toBe(0);
    expect(doc.steps.map((s: { status: string }) => s.status)).toEqual(['healed', 'success', 'healed']);
    expect(run.stderr).toContain('.spool');
    expect(run.stderr).toContain('aiw memory sync');
    expect(run.stderr).not.toContain(server.password);
    const before = await query<{ n: number }>(url, 'SELECT count(*)::int AS n FROM aiw_attempts');
    const sync = await aiw(root, ['memory', 'sync', '--json'], env);
    expect(sync.code).toBe(0);
    const synced = JSON.parse(sync.stdout);
    expect(synced.delivered).toBeGreaterThan(0);
    expect(synced.waiting).toBe(0);
    expect(synced.database).not.toContain(server.password);
    const after = await query<{ n: number }>(url, 'SELECT count(*)::int AS n FROM aiw_attempts');
    expect(after[0]!.n).toBeGreaterThan(before[0]!.n);
    expect(JSON.parse((await aiw(root, ['memory', 'sync', '--json'], env)).stdout)).toMatchObject({ delivered: 0, waiting: 0 });
    expect(await query(url, `SELECT count(*)::int AS n, count(DISTINCT id)::int AS d FROM aiw_attempts`)).toEqual([{ n: after[0]!.n, d: after[0]!.n }]);
    // Both heals counted: the one before the stop directly, the one after through the spool.
    expect(await query(url, 'SELECT tool_name, times_prevented::int AS n FROM aiw_fixes ORDER BY id')).toEqual([{ tool_name: 'deploy', n: 1 }, { tool_name: 'deploy2', n: 1 }]);
    // The same skill on files writes as many records: nothing was lost on the way.
    const files = project();
    files.write('aiw.config.yaml', '{}\n');
    await aiw(files, ['learn-fix', 'deploy', 'manifest unknown', 'no token', 'make one', '--remedy-tool', 'make_token', '--trust']);
    await aiw(files, ['learn-fix', 'deploy2', 'manifest unknown', 'no token', 'make one', '--remedy-tool', 'make_token2', '--trust']);
    const filesRun = aiw(files, ['run', 'ship2', '--json'], { RUN_TAG: 'files' });
    for (let i = 0; i < 300 && !existsSync(files.path('waiting')); i++) await new Promise((r) => setTimeout(r, 100));
    writeFileSync(files.path('go'), '');
    expect((await filesRun).code).toBe(0);
    expect(after[0]!.n).toBe((await readFailures(learnedFile(files.path('memory'), 'tool_failures'))).records.length);
  });

  it('shows the same --json shapes as the files, and moves memory both ways with export and import', async () => {
    const url = await server.createDatabase();
    const env = { AIW_MEMORY_URL: url, RUN_TAG: 'shape' };
    const filesRoot = project();
    filesRoot.write('aiw.config.yaml', '{}\n');
    const pgRoot = project();
    for (const [root, e] of [[filesRoot, { RUN_TAG: 'shape' }], [pgRoot, env]] as const) {
      await aiw(root, ['learn-fix', 'deploy', 'manifest unknown', 'no token', 'make one', '--remedy-tool', 'make_token', '--trust'], e);
      expect((await aiw(root, ['run', 'ship'], e)).code).toBe(0);
    }
    const shape = (v: unknown): unknown => (Array.isArray(v) ? v.map(shape) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shape(x)])) : typeof v);
    for (const args of [['memory', '--json'], ['known-issues', '--tool', 'deploy', '--error', 'Error: manifest unknown', '--json'], ['debug-tool', 'deploy', '--json']]) {
      const a = await aiw(filesRoot, args, { RUN_TAG: 'shape' });
      const b = await aiw(pgRoot, args, env);
      expect(b.code).toBe(a.code);
      const [x, y] = [JSON.parse(a.stdout), JSON.parse(b.stdout)];
      delete x.memory_dir;
      delete y.memory_dir;
      expect(shape(y)).toEqual(shape(x));
    }
    // Database -> files -> another database: the same fixes and attempts, each attempt once.
    const out = tempRoot();
    const exported = await aiw(pgRoot, ['memory', 'export', '--to', out.path('memory'), '--json'], env);
    expect(exported.code).toBe(0);
    expect(JSON.parse(exported.stdout)).toMatchObject({ fixes: 1, attempts: 3 });
    expect((await aiw(pgRoot, ['memory', 'export', '--to', out.path('memory')], env)).code).toBe(2);
    const url2 = await server.createDatabase();
    const imported = await aiw(pgRoot, ['memory', 'import', '--from', out.path('memory'), '--json'], { ...env, AIW_MEMORY_URL: url2 });
    expect(JSON.parse(imported.stdout)).toMatchObject({ fixes: 1, attempts: 3, skipped: 0 });
    expect(JSON.parse((await aiw(pgRoot, ['memory', 'import', '--from', out.path('memory'), '--json'], { ...env, AIW_MEMORY_URL: url2 })).stdout)).toMatchObject({ attempts: 0, skipped: 3 });
    const a = JSON.parse((await aiw(pgRoot, ['memory', '--json'], env)).stdout);
    const b = JSON.parse((await aiw(pgRoot, ['memory', '--json'], { ...env, AIW_MEMORY_URL: url2 })).stdout);
    expect(b.failures).toEqual(a.failures);
    expect(b.tool_fixes.map(({ line: _l, ...f }: { line: number }) => f)).toEqual(a.tool_fixes.map(({ line: _l, ...f }: { line: number }) => f));
    // And the exported files work as a file-backed memory.
    const back = await aiw(filesRoot, ['--memory-dir', out.path('memory'), 'known-issues', '--tool', 'deploy', '--json'], { RUN_TAG: 'x' });
    expect(JSON.parse(back.stdout).matches).toHaveLength(1);
  });

  it('closes its database connections when a command is done: none is cut by the exit', async () => {
    const url = await server.createDatabase();
    const root = project();
    const env = { AIW_MEMORY_URL: url, RUN_TAG: 'close' };
    await aiw(root, ['learn-fix', 'deploy', 'manifest unknown', 'no token', 'make one'], env);
    // A probe required before the CLI counts the connections that never said goodbye: sockets
    // opened to the server on which no Terminate message (PostgreSQL's 'X', length 4) was written.
    // pg unrefs an idle pooled connection, so one left open does not keep the process alive: the
    // exit cuts it, and the server sees the client vanish.
    root.write('probe.cjs', `const net = require('node:net'); const open = new Set(); const { connect, write } = net.Socket.prototype;
      net.Socket.prototype.connect = function (...a) { open.add(this); return connect.apply(this, a); };
      net.Socket.prototype.write = function (chunk, ...a) {
        if (Buffer.isBuffer(chunk) && chunk.length === 5 && chunk[0] === 0x58 && chunk.readInt32BE(1) === 4) open.delete(this);
        return write.call(this, chunk, ...a);
      };
      process.on('exit', () => require('node:fs').writeFileSync(process.env.PROBE_OUT, String([...open].filter((s) => !s.destroyed).length)));`);
    const openAtExit = async (args: string[]) => {
      const out = root.path('probe.txt');
      const child = spawn(process.execPath, ['-r', root.path('probe.cjs'), BIN, '--root', root.dir, ...args], {
        env: { PATH: process.env.PATH, HOME: process.env.HOME, CI: 'true', ...env, PROBE_OUT: out },
      });
      let stdout = '';
      child.stdout.on('data', (d) => (stdout += d));
      const code = await new Promise((resolve) => child.on('close', resolve));
      outputs.push(stdout);
      expect(code).toBe(0);
      return Number(readFileSync(out, 'utf8'));
    };
    expect(await openAtExit(['known-issues', '--tool', 'deploy', '--error', 'Error: manifest unknown', '--json'])).toBe(0);
    expect(await openAtExit(['memory', 'fixes', '--json'])).toBe(0);
    expect(await openAtExit(['debug-tool', 'deploy', '--json'])).toBe(0);
    expect(await openAtExit(['learn-fix', 'deploy2', 'manifest unknown', 'no token', 'make one'])).toBe(0);
    expect(await openAtExit(['run', 'ship'])).toBe(0);
  });

  it('looks up without loading node:os: the host name is read for a lock, and a lookup takes none', async () => {
    const url = await server.createDatabase();
    const root = project();
    const env = { AIW_MEMORY_URL: url, RUN_TAG: 'os' };
    await aiw(root, ['learn-fix', 'deploy', 'manifest unknown', 'no token', 'make one'], env);
    root.write('probe.cjs', `process.on('exit', () => require('node:fs').writeFileSync(process.env.PROBE_OUT, JSON.stringify(process.moduleLoadList)));`);
    const loaded = async () => {
      const child = spawn(process.execPath, ['-r', root.path('probe.cjs'), BIN, '--root', root.dir, 'known-issues', '--tool', 'deploy', '--error', 'Error: manifest unknown', '--json'], {
        env: { PATH: process.env.PATH, HOME: process.env.HOME, CI: 'true', ...env, PROBE_OUT: root.path('loaded.json') },
      });
      let stdout = '';
      child.stdout.on('data', (d) => (stdout += d));
      expect(await new Promise((resolve) => child.on('close', resolve))).toBe(0);
      outputs.push(stdout);
      expect(JSON.parse(stdout).matches).toHaveLength(1);
      return JSON.parse(readFileSync(root.path('loaded.json'), 'utf8')) as string[];
    };
    // The first lookup writes the local copy (under a lock); the next ones only read it.
    await loaded();
    const modules = await loaded();
    expect(modules).toContain('NativeModule net');
    expect(modules).not.toContain('NativeModule os');
  });
});
