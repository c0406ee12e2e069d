import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from './support/shipped-root.js';

/**
 * A new user's path, taken from the README's "Use aiw in your own repository" section and run word
 * for word: pack aiw, install the tarball globally (into a temporary prefix, as `npm install -g
 * --prefix` would), then, in an empty directory, `aiw init`, validate, run the starter skill, write a
 * skill of one's own and run it. The checkout that is packed is a copy of what the package ships
 * (plus local memory files that must not ship), packed with the bundle the test setup built
 * (npm_config_ignore_scripts: a rebuild would swap dist/ under other tests).
 */
let work: string;
let checkout: string;
let prefix: string;
let env: NodeJS.ProcessEnv;

function readmeBlocks(): string[] {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('## Use aiw in your own repository');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

function bash(script: string, cwd: string): { code: number | null; out: string } {
  const p = spawnSync('bash', ['-e', '-o', 'pipefail', '-c', script], { cwd, env, encoding: 'utf8', timeout: 240_000 });
  return { code: p.status, out: `${p.stdout}${p.stderr}` };
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'aiw-own-repo-'));
  checkout = join(work, 'aiw');
  prefix = join(work, 'prefix');
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { files: string[] };
  for (const entry of ['package.json', 'README.md', 'bin', 'dist', 'schemas', 'skills', 'tools', 'docs', 'memory', 'aiw.config.yaml']) {
    cpSync(join(REPO_ROOT, entry), join(checkout, entry), { recursive: true });
  }
  expect(pkg.files.length).toBeGreaterThan(0);
  // What a working checkout holds after a few runs: none of it may ship.
  writeFileSync(join(checkout, 'memory/learned/tool_failures.yaml'), 'failures:\n  - { tool: x, error: local }\n');
  writeFileSync(join(checkout, 'memory/learned/tool_failures.unsaved.yaml'), 'failures: []\n');
  mkdirSync(join(checkout, 'memory/.cache'), { recursive: true });
  writeFileSync(join(checkout, 'memory/.cache/lookup.json'), '{}');
  env = {
    // The user's HOME: npm reads its registry, proxy and CA settings from there, as it would for them.
    PATH: `${join(prefix, 'bin')}:${process.env.PATH}`, HOME: process.env.HOME, LANG: 'C.UTF-8', CI: 'true',
    npm_config_prefix: prefix, npm_config_ignore_scripts: 'true', npm_config_audit: 'false', npm_config_fund: 'false',
    npm_config_update_notifier: 'false', npm_config_prefer_offline: 'true',
  };
}, 300_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('using aiw in your own repository, following the README', () => {
  it('the README has the install block and the block to run in one\'s repository', () => {
    expect(readmeBlocks()).toHaveLength(2);
  });

  it('packs a tarball that holds the bundle, schemas and shipped tools, and no local memory', () => {
    const install = bash(readmeBlocks()[0]!, checkout);
    expect(install, install.out).toMatchObject({ code: 0 });
    const tarball = execFileSync('bash', ['-c', 'ls aiw-*.tgz'], { cwd: checkout, encoding: 'utf8' }).trim();
    const files = execFileSync('tar', ['tzf', join(checkout, tarball)], { encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(files).toEqual(expect.arrayContaining(['package/bin/aiw.js', 'package/bin/package.json', 'package/dist/aiw.cjs', 'package/dist/main.cjs', 'package/schemas/skill.schema.json',
      'package/tools/basics.yaml', 'package/memory/learned/tool_fixes.yaml', 'package/aiw.config.yaml']));
    expect(files.filter((f) => /tool_failures|unsaved|\.cache|^package\/(src|test|node_modules)\//.test(f))).toEqual([]);
    expect(existsSync(join(prefix, 'bin', 'aiw'))).toBe(true);
    // `aiw` is the loader itself, not a script that requires it (one file less to resolve per start).
    expect(realpathSync(join(prefix, 'bin', 'aiw'))).toMatch(/[\\/]dist[\\/]aiw\.cjs$/);
  });

  it('in an empty directory: aiw init, validate, run the starter skill, write and run a skill of one\'s own', () => {
    const repo = join(work, 'ops');
    mkdirSync(repo);
    const r = bash(readmeBlocks()[1]!, repo);
    expect(r, r.out).toMatchObject({ code: 0 });
    expect(r.out).toContain('created skills/example.yaml');
    expect(r.out).toMatch(/aiw validate: \d+ files OK/);
    expect(r.out).toContain('Hello, team! (2 words, from ');
    expect(r.out).toMatch(/disk used: \d+%/);
  });

  it('the scaffold points editors at the installed schemas and keeps local memory out of git', () => {
    const repo = join(work, 'ops');
    const installed = join(prefix, 'lib', 'node_modules', 'aiw', 'schemas');
    for (const [file, schema] of [['skills/example.yaml', 'skill'], ['tools/example.yaml', 'tool'], ['aiw.config.yaml', 'config']]) {
      const first = readFileSync(join(repo, file!), 'utf8').split('\n')[0];
      expect(first).toBe(`# yaml-language-server: $schema=${join(installed, `${schema}.schema.json`)}`);
      expect(existsSync(join(installed, `${schema}.schema.json`))).toBe(true);
    }
    expect(readFileSync(join(repo, 'memory/.gitignore'), 'utf8').split('\n')).toEqual(expect.arrayContaining(['.cache/', 'learned/tool_failures.yaml', 'learned/*.unsaved*.yaml']));
  });

  it('aiw init keeps files that exist', () => {
    const repo = join(work, 'ops');
    writeFileSync(join(repo, 'skills/example.yaml'), 'name: example\nsteps:\n  - { name: s, compute: "return 1" }\n');
    const r = bash('aiw init', repo);
    expect(r.code).toBe(0);
    expect(r.out).toContain('kept    skills/example.yaml (exists)');
    expect(readFileSync(join(repo, 'skills/example.yaml'), 'utf8')).toContain('return 1');
  });

  it('the scaffolded GitHub Actions workflow\'s commands install aiw from AIW_PACKAGE, validate and run with JUnit', () => {
    const repo = join(work, 'ci');
    mkdirSync(repo);
    expect(bash('aiw init', repo).code).toBe(0);
    const workflow = parse(readFileSync(join(repo, '.github/workflows/aiw.yml'), 'utf8')) as {
      env: Record<string, string>; jobs: Record<string, { steps: Array<{ run?: string; uses?: string }> }>;
    };
    const runs = Object.values(workflow.jobs).flatMap((j) => j.steps).flatMap((s) => (s.run ? [s.run] : []));
    expect(runs).toEqual(['npm install -g "$AIW_PACKAGE"', 'aiw validate', 'aiw run example --junit reports/aiw-junit.xml']);
    // What the runner does: the workflow's env, with the tarball where the workflow expects it.
    mkdirSync(join(repo, 'vendor'));
    execFileSync('bash', ['-c', `cp "${checkout}"/aiw-*.tgz "${join(repo, workflow.env.AIW_PACKAGE!)}"`]);
    for (const run of runs) {
      const r = bash(`export AIW_PACKAGE=${JSON.stringify(workflow.env.AIW_PACKAGE)}\n${run}`, repo);
      expect(r, `${run}\n${r.out}`).toMatchObject({ code: 0 });
    }
    expect(readFileSync(join(repo, 'reports/aiw-junit.xml'), 'utf8')).toContain('<testcase name="greeting"');
  });
});
