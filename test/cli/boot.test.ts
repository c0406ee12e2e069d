import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, cpSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { contentHash } from '../../src/model/content-hash.js';
import { tempRoot, type TempRoot } from '../helpers/temp-root.js';

const BIN = fileURLToPath(new URL('../../bin/aiw.js', import.meta.url));

function project(): TempRoot {
  const root = tempRoot();
  root.write('tools/t.yaml', 'tools:\n  ok:\n    description: succeeds\n    command: [/bin/true]\n');
  root.write('skills/one.yaml', 'name: one\ndescription: one step\nsteps:\n  - name: s\n    tool: ok\n');
  root.write('memory/learned/tool_fixes.yaml', 'tool_fixes:\n  - tool_name: ok\n    error_pattern: "/timed out after \\\\d+s/"\n    root_cause: slow\n    fix_applied: wait\n');
  return root;
}

/** A tool that fails (`/bin/false`) and the skill `bad`, one step of it. */
function addFailingSkill(root: TempRoot): void {
  root.write('tools/bad.yaml', 'tools:\n  bad:\n    description: fails\n    command: [/bin/false]\n');
  root.write('skills/bad.yaml', 'name: bad\ndescription: one failing step\nsteps:\n  - name: s\n    tool: bad\n');
}

function aiw(root: TempRoot, cache: string, ...args: string[]): string {
  return execFileSync(process.execPath, [BIN, '--root', root.dir, ...args], { encoding: 'utf8', env: { ...process.env, AIW_CACHE_DIR: cache, CI: 'true' } });
}

const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));
/** The code caches of one built file (the bundle, or a vendor file): their names hold its size. */
const cachesOf = (cache: string, file: string) => {
  const size = statSync(join(DIST, file)).size;
  return readdirSync(join(cache, 'code')).filter((f) => f.endsWith('.v8cache') && f.includes(`-${size}-`)).sort();
};
const caches = (cache: string) => cachesOf(cache, 'main.cjs');
const stamp = (cache: string, f: string) => statSync(join(cache, 'code', f)).mtimeMs;

describe('the loader\'s V8 code cache', () => {
  it('is made by the first run of a command, made lasting by the second, and then only read', () => {
    const root = project();
    const cache = root.path('cache');
    expect(aiw(root, cache, 'run', 'one')).toMatch(/SUCCESS one/);
    const [first] = caches(cache);
    expect(first).toMatch(new RegExp(`-run-${contentHash('one')}\\.first\\.v8cache$`));
    // The second run has the first one's functions and its own: that cache lasts, the first goes.
    expect(aiw(root, cache, 'run', 'one')).toMatch(/SUCCESS one/);
    const [lasting] = caches(cache);
    expect(caches(cache)).toEqual([first!.replace('.first.v8cache', '.v8cache')]);
    const before = stamp(cache, lasting!);
    expect(aiw(root, cache, 'run', 'one')).toMatch(/SUCCESS one/);
    // A cache V8 rejected would have been made again at exit.
    expect(caches(cache)).toEqual([lasting]);
    expect(stamp(cache, lasting!)).toBe(before);
  });

  it('is made again when a start takes a path it was not made on, with that path added, and then only read', () => {
    const root = project();
    // The skill's one step fails while the file `broken` exists.
    const broken = root.path('broken');
    root.write('tools/flaky.yaml', `tools:\n  flaky:\n    description: fails while ${broken} exists\n    command: [test, "!", -e, ${JSON.stringify(broken)}]\n`);
    root.write('skills/flaky.yaml', 'name: flaky\ndescription: one step\nsteps:\n  - name: s\n    tool: flaky\n');
    const cache = root.path('cache');
    const passes = () => expect(aiw(root, cache, 'run', 'flaky')).toMatch(/SUCCESS flaky/);
    const fails = () => {
      writeFileSync(broken, '');
      const r = spawnSync(process.execPath, [BIN, '--root', root.dir, 'run', 'flaky'], { encoding: 'utf8', env: { ...process.env, AIW_CACHE_DIR: cache, CI: 'true' } });
      rmSync(broken);
      expect(r.status).toBe(1);
    };
    const pathsOf = (f: string) => {
      const header = readFileSync(join(cache, 'code', f)).toString('latin1').split('\n', 1)[0]!;
      expect(header).toMatch(/^aiw-code-cache /);
      return header.slice('aiw-code-cache '.length).split(',');
    };
    passes();
    passes();
    const [file] = caches(cache);
    expect(pathsOf(file!)).toEqual(expect.arrayContaining(['exit:0', 'step:tool', 'tool:command']));
    expect(pathsOf(file!)).not.toContain('tool-failed');
    const size = statSync(join(cache, 'code', file!)).size;
    // A run that fails takes the failure path (classify, record the attempt): the cache now has it too.
    fails();
    expect(caches(cache)).toEqual([file]);
    expect(pathsOf(file!)).toEqual(expect.arrayContaining(['classify', 'exit:0', 'exit:1', 'step:tool', 'tool-failed', 'tool:command']));
    expect(statSync(join(cache, 'code', file!)).size).toBeGreaterThan(size);
    // Both paths are in it: neither kind of run writes it again.
    const before = stamp(cache, file!);
    passes();
    fails();
    expect(stamp(cache, file!)).toBe(before);
  });

  it('keeps one cache per command, and for `run` one per skill that runs of other skills leave alone', () => {
    const root = project();
    root.write('skills/two.yaml', 'name: two\ndescription: two steps\ninputs:\n  - { name: x, type: string, default: "0" }\nsteps:\n  - name: a\n    tool: ok\n  - name: b\n    tool: ok\n');
    const cache = root.path('cache');
    for (let i = 0; i < 2; i++) {
      aiw(root, cache, 'run', 'one');
      aiw(root, cache, 'skills');
    }
    const arch = `-${process.arch}-`;
    const kinds = () => caches(cache).map((f) => f.slice(f.indexOf(arch) + arch.length));
    expect(kinds()).toEqual(['cli.v8cache', `run-${contentHash('one')}.v8cache`]);
    const one = caches(cache).find((f) => f.endsWith(`-run-${contentHash('one')}.v8cache`))!;
    const before = stamp(cache, one);
    // Options before the skill, and global ones after the command, do not change which cache it is.
    for (let i = 0; i < 2; i++) aiw(root, cache, 'run', '-q', '-i', 'x=1', '--root', root.dir, 'two');
    expect(kinds()).toEqual(['cli.v8cache', `run-${contentHash('one')}.v8cache`, `run-${contentHash('two')}.v8cache`].sort());
    expect(stamp(cache, one)).toBe(before);
    // A skill given by its file's path is the same skill: its runs read the same cache.
    expect(aiw(root, cache, 'run', root.path('skills/one.yaml'))).toMatch(/SUCCESS one/);
    expect(kinds()).toEqual(['cli.v8cache', `run-${contentHash('one')}.v8cache`, `run-${contentHash('two')}.v8cache`].sort());
    expect(stamp(cache, one)).toBe(before);
  });

  it('ignores a corrupt cache and replaces it, first or lasting', () => {
    const root = project();
    const cache = root.path('cache');
    for (let i = 0; i < 2; i++) {
      aiw(root, cache, 'run', 'one');
      const [file] = caches(cache);
      writeFileSync(join(cache, 'code', file!), 'not a code cache');
      expect(aiw(root, cache, 'run', 'one')).toMatch(/SUCCESS one/);
      expect(readFileSync(join(cache, 'code', file!)).length).toBeGreaterThan(1000);
    }
  });

  it('is made under the flags of the next start even when a /regex/ pattern turned on the regex fallback', () => {
    const root = project();
    const cache = root.path('cache');
    const first = aiw(root, cache, 'known-issues', '--error', 'timed out after 30s');
    expect(first).toContain('wait');
    aiw(root, cache, 'known-issues', '--error', 'timed out after 30s');
    const [file] = caches(cache);
    expect(file).toMatch(/-known-issues\.v8cache$/);
    const before = stamp(cache, file!);
    aiw(root, cache, 'known-issues', '--error', 'timed out after 30s');
    expect(stamp(cache, file!)).toBe(before);
  });

  it('is not used with AIW_CACHE_DIR=off', () => {
    const root = project();
    expect(aiw(root, 'off', 'run', 'one')).toMatch(/SUCCESS one/);
    expect(readdirSync(root.dir)).not.toContain('off');
  });

  it('is kept for a vendor file too, made when the file was first used and read by the next starts', () => {
    const root = project();
    const cache = root.path('cache');
    // Each run parses the project's YAML: the parse cache is emptied before it.
    const run = () => {
      rmSync(join(cache, 'parse'), { recursive: true, force: true });
      expect(aiw(root, cache, 'run', 'one')).toMatch(/SUCCESS one/);
    };
    run();
    // One per command, not per skill: a skill's runs load yaml only when its files changed.
    expect(cachesOf(cache, 'vendor/yaml.cjs')).toEqual([expect.stringMatching(/-run\.first\.v8cache$/)]);
    run();
    const [file] = cachesOf(cache, 'vendor/yaml.cjs');
    expect(file).toMatch(/-run\.v8cache$/);
    const before = stamp(cache, file!);
    run();
    expect(cachesOf(cache, 'vendor/yaml.cjs')).toEqual([file]);
    expect(stamp(cache, file!)).toBe(before);
  });

  it('never loads the YAML parser for a command that does not parse YAML', () => {
    const root = project();
    root.write('memory/learned/tool_failures.yaml', `failures:\n${'  - {"tool":"ok","error":"boom","error_type":null,"fix_attempted":null,"success":false,"timestamp":"2026-01-01T00:00:00+00:00","skill":"one","step":"s","attempt":1,"duration_ms":5,"run_id":"r1","pattern":null,"kind":"attempt"}\n'.repeat(3)}`);
    const cache = root.path('cache');
    expect(JSON.parse(aiw(root, cache, 'memory', 'stats', '--json'))).toMatchObject({ stats: { totals: { attempts: 3 } } });
    // yaml's code cache would be made at exit had it loaded.
    expect(cachesOf(cache, 'vendor/yaml.cjs')).toEqual([]);
    expect(cachesOf(cache, 'main.cjs')).toHaveLength(1);
  });
});

describe('what a 1-step run loads', () => {
  // A probe required before the CLI: which of Node's modules load, and whether anything asks for
  // the set of allowed Node flags (Node builds it on first use, ~1.3 ms). Written to a file at exit.
  const PROBE = `
    const { writeFileSync } = require('node:fs');
    const before = new Set(process.moduleLoadList);
    const flags = Object.getOwnPropertyDescriptor(process, 'allowedNodeEnvironmentFlags');
    let askedForFlags = false;
    Object.defineProperty(process, 'allowedNodeEnvironmentFlags', { ...flags, get() { askedForFlags = true; return flags.get.call(this); } });
    process.on('exit', () => writeFileSync(process.env.PROBE_OUT, JSON.stringify({ askedForFlags, loaded: process.moduleLoadList.filter((m) => !before.has(m)) })));
  `;

  it('loads what spawning a tool needs and nothing it does not use', () => {
    const root = project();
    const cache = root.path('cache');
    root.write('probe.cjs', PROBE);
    const out = root.path('probe.json');
    // Pipes, as under CI or a script capturing the output.
    const run = () => {
      const r = spawnSync(process.execPath, ['-r', root.path('probe.cjs'), BIN, '--root', root.dir, 'run', 'one'], {
        encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, AIW_CACHE_DIR: cache, PROBE_OUT: out },
      });
      expect(r.stdout).toMatch(/SUCCESS one/);
      return JSON.parse(readFileSync(out, 'utf8')) as { askedForFlags: boolean; loaded: string[] };
    };
    run();
    const { askedForFlags, loaded } = run();
    expect(loaded).toContain('NativeModule child_process');
    // No compute step: the compute process's permission flag is not looked up.
    expect(askedForFlags).toBe(false);
    // node:os (host name, home folder) only when used; no terminal on pipes; no hashing, no V8 flags.
    for (const unused of ['os', 'tty', 'crypto', 'v8', 'worker_threads']) expect(loaded).not.toContain(`NativeModule ${unused}`);
  });

  it('classifies a failure with the built-in classes without changing V8\'s flags; a /regex/ from memory turns the fallback on', () => {
    // Changing a V8 flag makes Node compile every built-in module loaded afterwards without its
    // code cache, and a failing run loads node:crypto for its attempt record after it classifies.
    const root = project();
    addFailingSkill(root);
    // No /regex/ in memory (project() has one, which building the lookup cache would compile).
    root.write('memory/learned/tool_fixes.yaml', 'tool_fixes: []\n');
    root.write('probe.cjs', PROBE);
    const failing = () => {
      const r = spawnSync(process.execPath, ['-r', root.path('probe.cjs'), BIN, '--root', root.dir, 'run', 'bad'], {
        encoding: 'utf8', env: { ...process.env, AIW_CACHE_DIR: root.path('cache'), PROBE_OUT: root.path('probe.json'), CI: 'true' },
      });
      expect(r.status).toBe(1);
      return JSON.parse(readFileSync(root.path('probe.json'), 'utf8')) as { loaded: string[] };
    };
    const plain = failing().loaded;
    expect(plain).toContain('NativeModule crypto');
    // The linear-time fallback (pattern/linear-fallback.ts) loads node:v8 to set its flag.
    expect(plain).not.toContain('NativeModule v8');
    // A learned fix for the tool with a /regex/ pattern: the known-issues lookup compiles it.
    root.write('memory/learned/tool_fixes.yaml', 'tool_fixes:\n  - tool_name: bad\n    error_pattern: "/exit code \\\\d+/"\n    root_cause: it fails\n    fix_applied: make it pass\n');
    expect(failing().loaded).toContain('NativeModule v8');
  });

  it('does not load node:tty to learn that /dev/null is no terminal', () => {
    const root = project();
    root.write('probe.cjs', PROBE);
    const devNull = openSync('/dev/null', 'w');
    try {
      const r = spawnSync(process.execPath, ['-r', root.path('probe.cjs'), BIN, '--root', root.dir, 'run', 'one'], {
        encoding: 'utf8', stdio: ['ignore', 'pipe', devNull], env: { ...process.env, AIW_CACHE_DIR: root.path('cache'), PROBE_OUT: root.path('probe.json') },
      });
      expect(r.stdout).toMatch(/SUCCESS one/);
    } finally {
      closeSync(devNull);
    }
    const { loaded } = JSON.parse(readFileSync(root.path('probe.json'), 'utf8')) as { loaded: string[] };
    if (process.platform === 'linux') expect(loaded).not.toContain('NativeModule tty');
  });
});

describe('the files the loader compiles', () => {
  it('hold the CommonJS function wrapper on their first line, and a file without it is refused with a clear error', () => {
    const main = readFileSync(join(DIST, 'main.cjs'), 'latin1');
    expect(main.split('\n', 1)[0]).toMatch(/^\(function \(exports, require, module, __filename, __dirname\) \{/);
    expect(main.endsWith('\n})')).toBe(true);
    // A copy of the install whose bundle lost the wrapper (a hand-edited or foreign file).
    const root = project();
    const copy = root.path('install');
    cpSync(join(DIST, '..', 'bin'), join(copy, 'bin'), { recursive: true });
    cpSync(DIST, join(copy, 'dist'), { recursive: true });
    writeFileSync(join(copy, 'dist', 'main.cjs'), 'module.exports = 1;\n');
    const r = spawnSync(process.execPath, [join(copy, 'bin', 'aiw.js'), '--root', root.dir, 'run', 'one'], {
      encoding: 'utf8', env: { ...process.env, AIW_CACHE_DIR: 'off' },
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("main.cjs is not a file of aiw's build: run `npm run build` (or reinstall aiw)");
  });
});
