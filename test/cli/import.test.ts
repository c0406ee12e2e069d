import { cpSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { aiw, tempRoot } from '../helpers/temp-root.js';

const FIXTURE = fileURLToPath(new URL('../skill/fixtures/original-project', import.meta.url));

/** Every file under `dir` with its bytes, to prove a tree did not change. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else out[relative(dir, full)] = readFileSync(full, 'base64');
    }
  };
  walk(dir);
  return out;
}

/** A copy of the Python-project fixture, an empty output folder, and a fake kubectl that needs a login first. */
function setup() {
  const work = tempRoot();
  const source = work.path('original');
  cpSync(FIXTURE, source, { recursive: true });
  const out = work.path('imported');
  const login = work.path('logged-in');
  const calls = work.path('kubectl-calls');
  work.script('bin/kubectl', [
    `echo "$@" >> ${calls}`,
    `if [ ! -f ${login} ]; then echo 'error: You must be logged in to the server (Unauthorized)' >&2; exit 1; fi`,
    'case " $* " in',
    `  *" get pods "*) echo '{"items":[{"metadata":{"name":"web-1"},"status":{"phase":"Running"}}]}';;`,
    `  *" logs "*) echo 'line 1'; echo 'ERROR connection pool exhausted';;`,
    'esac',
  ].join('\n'));
  const env = { PATH: `${work.path('bin')}:${process.env.PATH}` };
  return { work, source, out, login, calls, env };
}

describe('aiw import of a project in the Python layout', () => {
  it('prints one line per change at the source line, a summary table, and never touches the source', async () => {
    const { work, source, out } = setup();
    const before = snapshot(source);
    const r = await aiw(['import', source, '--out', out], { cwd: work.dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('original/skills/check_pods.yaml:18: inputs: a map of 2 became a list of {name, ...}');
    expect(r.stdout).toContain("original/skills/check_pods.yaml:83: duplicate step name 'get_logs' renamed 'get_logs_2'");
    expect(r.stdout).toContain("original/skills/check_pods.yaml:98: removed 'notify_team' under outputs:");
    expect(r.stdout).toContain("original/skills/check_pods.yaml:15: top level: unknown key 'owner' kept as 'x-owner'");
    expect(r.stdout).toContain('original/skills/debug_pods.yaml:72: outputs: a map of 2 became a list of {name, value}');
    expect(r.stdout).toMatch(/skills\s+2\s+2\s/);
    expect(r.stdout).toMatch(/memory\s+3\s+0\s+3\s/);
    expect(snapshot(source)).toEqual(before);
    const skill = parse(readFileSync(join(out, 'skills/check_pods.yaml'), 'utf8')) as Record<string, unknown>;
    expect(skill).toMatchObject({ dialect: 'python', tags: ['k8s', 'health'], personas: ['devops', 'incident'] });
    expect(readFileSync(join(out, 'skills/check_pods.yaml'), 'utf8')).toContain('# copied from above; the original never noticed the duplicate');
    expect(readFileSync(join(out, 'memory/learned/tool_failures.yaml'))).toEqual(readFileSync(join(source, 'memory/learned/tool_failures.yaml')));
    expect(readFileSync(join(out, 'scripts/common/parsers.py'), 'utf8')).toContain('def parse_pod_names');
  });

  it('is idempotent: a second import changes nothing and says every file is unchanged', async () => {
    const { work, source, out } = setup();
    await aiw(['import', source, '--out', out], { cwd: work.dir });
    const first = snapshot(out);
    const again = await aiw(['import', source, '--out', out, '--json'], { cwd: work.dir });
    const report = again.json<{ files: Array<{ outcome: string; changes: unknown[] }> }>();
    expect(report.files.every((f) => f.outcome === 'unchanged')).toBe(true);
    expect(snapshot(out)).toEqual(first);
    // Importing the imported skills again is a no-op too.
    const twice = await aiw(['import', out, '--out', work.path('third'), '--json'], { cwd: work.dir });
    expect(twice.json<{ files: Array<{ kind: string; changes: unknown[] }> }>().files.filter((f) => f.kind === 'skill').every((f) => f.changes.length === 0)).toBe(true);
  });

  it('never overwrites a different file already in the output, and says so', async () => {
    const { work, source, out } = setup();
    work.write('imported/memory/learned/patterns.yaml', 'auth_patterns: []\n');
    work.write('original/skills/broken.yaml', 'name: broken\nsteps: [\n');
    const r = await aiw(['import', source, '--out', out], { cwd: work.dir });
    expect(r.stdout).toContain('original/memory/learned/patterns.yaml: kept: memory/learned/patterns.yaml already exists with other content: left as it is (merge by hand)');
    expect(r.stdout).toMatch(/original\/skills\/broken\.yaml: syntax-error: 3:1: .* \(copied as it is\)/);
    expect(readFileSync(join(out, 'memory/learned/patterns.yaml'), 'utf8')).toBe('auth_patterns: []\n');
    expect(r.code).toBe(0);
  });

  it('refuses to write inside the source project', async () => {
    const { work, source } = setup();
    const r = await aiw(['import', source, '--out', join(source, 'aiw')], { cwd: work.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('never writes there');
  });

  it('leaves only what needs a person to validate: the tool that has no definition, with file:line:col; odd memory is a warning', async () => {
    const { work, source, out } = setup();
    await aiw(['import', source, '--out', out], { cwd: work.dir });
    const r = await aiw(['validate', '--json'], { root: out });
    const problems = r.json<{ problems: Array<{ file: string; line: number; col: number; message: string; code: string; severity?: string }> }>().problems;
    const errors = problems.filter((p) => p.severity !== 'warning');
    expect(errors).toEqual([expect.objectContaining({ code: 'UNKNOWN_TOOL', line: 66, col: 11, message: "step 'notify': unknown tool 'slack_send_message'" })]);
    expect(errors[0]!.file).toMatch(/skills\/debug_pods\.yaml$/);
    expect(problems.filter((p) => p.severity === 'warning').map((p) => p.message)).toEqual([
      expect.stringContaining('category "concur_cleanup_patterns" skipped'),
      expect.stringContaining('category "daily_patterns": 2 of 2 entries skipped'),
    ]);
    expect(r.code).toBe(2);
  });

  it('runs an imported skill end to end: the tool heals its login itself and the original param names reach kubectl', async () => {
    const { work, source, out, login, calls, env } = setup();
    await aiw(['import', source, '--out', out], { cwd: work.dir });
    work.write('imported/aiw.config.yaml', `environments:\n  stage:\n    kube_login: [touch, ${login}]\n`);
    const r = await aiw(['run', 'check_pods', '-i', 'namespace=web', '--json'], { root: out, env });
    const doc = r.json<{ status: string; outputs: Record<string, unknown>; steps: Array<{ name: string; status: string; attempts?: number }> }>();
    expect(doc.status).toBe('success');
    expect(doc.outputs).toEqual({ summary: '1 pod(s) in web; first: web-1' });
    expect(doc.steps.map((s) => [s.name, s.status])).toEqual([
      ['get_pods', 'healed'], ['detect_failure_pods', 'skipped'], ['quick_fix_auth_pods', 'skipped'], ['retry_get_pods', 'skipped'],
      ['get_logs', 'success'], ['get_logs_2', 'success'],
    ]);
    expect(readFileSync(calls, 'utf8').trim().split('\n')).toEqual([
      '--request-timeout=20s get pods -n web -o json',
      '--request-timeout=20s get pods -n web -o json',
      '--request-timeout=20s logs -n web web-1 --tail=20 --all-containers=true --since=1h',
      '--request-timeout=20s logs -n web web-1 --tail=100 --all-containers=true --previous',
    ]);
    expect(r.code).toBe(0);
  });

  it("shows the original's memory sections in memory failures and stats, and a run keeps them", async () => {
    const { work, source, out, login, env } = setup();
    await aiw(['import', source, '--out', out], { cwd: work.dir });
    work.write('imported/aiw.config.yaml', `environments:\n  stage:\n    kube_login: [touch, ${login}]\n`);
    const file = join(out, 'memory/learned/tool_failures.yaml');
    const sections = (text: string) => {
      const { failures: _f, ...rest } = parse(text) as Record<string, unknown>;
      return rest;
    };
    const original = sections(readFileSync(file, 'utf8'));
    await aiw(['run', 'check_pods', '-i', 'namespace=web'], { root: out, env });
    expect(sections(readFileSync(file, 'utf8'))).toEqual(original);
    const failures = await aiw(['memory', 'failures'], { root: out });
    expect(failures.code).toBe(0);
    expect(failures.stdout).toContain('kubectl_logs ok (network) fix: vpn_connect: dial tcp 10.0.0.1:6443: connect: no route to host');
    expect(failures.stdout).toContain('gitlab_mr_list [review_all_prs] failed fix: N/A - GitLab uses tokens: 401 Unauthorized');
    expect(failures.stdout).toContain('registry_auth: `manifest unknown`, `podman login` -> by hand: Run: podman login quay.io');
    expect(failures.stdout).toContain('kibana_search_logs: `403 Forbidden` -> Manual browser login required (by hand)');
    const stats = await aiw(['memory', 'stats', '--json'], { root: out });
    const doc = stats.json<{ stats: { entries: number; totals: { calls_healed: number }; python_project: { total_failures: number; weekly: Record<string, unknown> } } }>().stats;
    expect(doc.entries).toBe(6);
    expect(doc.totals.calls_healed).toBe(3);
    expect(doc.python_project).toMatchObject({ total_failures: 2, weekly: { '2026-W07': { total: 2, auto_fixed: 2 } } });
    const patterns = await aiw(['memory', 'patterns'], { root: out });
    expect(patterns.stdout).toContain('`ImagePullBackOff` - Cannot pull container image');
    expect(patterns.stdout).toContain('fix: Check that the image tag exists in Quay');
    expect(patterns.code).toBe(0);
  });
});
