import { describe, expect, it } from 'vitest';
import { aiw, tempRoot } from '../helpers/temp-root.js';
import { jinjaPython } from '../helpers/python.js';

const python = jinjaPython();

/**
 * A project written the way the original Python project writes its skills: the dialect set once
 * for the project, Python compute with imports and the team's `scripts/common` helpers, Jinja
 * conditions with slices and method calls, tools that answer with text (an error as text too), and
 * the hand-written detect_failure_* / quick_fix_* / retry_* steps.
 */
function originalProject() {
  const root = tempRoot();
  root.write('aiw.config.yaml', 'skills:\n  dialect: python\n');
  root.write('scripts/__init__.py', '');
  root.write('scripts/common/__init__.py', '');
  root.write('scripts/common/parsers.py', [
    'import re',
    '',
    'def parse_pods(text):',
    '    rows = [l.split() for l in text.strip().splitlines()[1:] if l.strip()]',
    '    return [{"name": r[0], "ready": r[1], "status": r[2]} for r in rows]',
    '',
    'def short_sha(sha):',
    '    return re.sub(r"[^0-9a-f]", "", sha)[:8]',
    '',
  ].join('\n'));
  root.write('scripts/common/config_loader.py', 'def get_timezone():\n    return "Europe/Prague"\n');
  // The original's tools answer with text; a login problem is text too ("❌ ... Unauthorized").
  const token = root.path('token');
  root.script('bin/get_pods', `if [ -f ${token} ]; then printf 'NAME READY STATUS\\napi-1 1/1 Running\\nweb-2 0/1 CrashLoopBackOff\\n'; else echo "❌ error: You must be logged in to the server (Unauthorized)"; fi`);
  root.script('bin/login', `touch ${token}; echo "✅ logged in"; echo "Cluster Name: $1"`);
  root.write('tools/k8s.yaml', `tools:
  kubectl_get_pods:
    command: ["${root.path('bin/get_pods')}", "{{ namespace }}"]
    params:
      namespace: { type: string, required: true }
  cluster_login:
    command: ["${root.path('bin/login')}", "{{ cluster }}"]
    params:
      cluster: { type: string, default: stage }
`);
  root.write('skills/check_deploy.yaml', `name: check_deploy
description: Check a deployment the way the original skills do
version: "1.0"
inputs:
  - name: namespace
    type: string
    default: tower-analytics-stage
  - name: sha
    type: string
    default: 3f9a1c2b7d8e4f60aa51
defaults:
  cluster: stage
steps:
  - name: get_pods
    tool: kubectl_get_pods
    args:
      namespace: "{{ inputs.namespace }}"
    output: pods_text
    on_error: continue

  - name: detect_failure_auth
    condition: "'unauthorized' in pods_text.lower() or 'forbidden' in pods_text.lower()"
    compute: |
      result = {"auth": True, "first_line": pods_text.splitlines()[0][:40]}
    output: auth_problem

  - name: quick_fix_auth
    condition: "auth_problem and auth_problem.get('auth')"
    tool: cluster_login
    args:
      cluster: "{{ defaults.cluster }}"
    output: login_result

  - name: retry_get_pods
    condition: "auth_problem is defined and auth_problem"
    tool: kubectl_get_pods
    args:
      namespace: "{{ inputs.namespace }}"
    output: pods_text

  - name: analyse
    compute: |
      from datetime import datetime
      pods = parsers.parse_pods(pods_text)
      broken = [p["name"] for p in pods if p["status"] != "Running"]
      tz = ZoneInfo(get_timezone())
      analysis = {
          "total": len(pods),
          "broken": broken,
          "sha": parsers.short_sha(inputs.get("sha", "")),
          "tz": str(tz),
      }
    output: analysis

  - name: report_broken
    condition: "len(analysis.broken) > 0 and analysis.sha[:3] == '3f9'"
    compute: |
      lines = ["{{ inputs.namespace.split('-')[0] | upper }}: " + ", ".join(analysis["broken"])]
      return "\\n".join(lines)
    output: broken_report

  - name: never_runs
    condition: "analysis.total > 10"
    compute: "result = 'too many'"

outputs:
  - name: summary
    value: "{{ analysis.total }} pods, {{ analysis.broken | length }} broken at {{ inputs.sha[:8] }}{{ ' (after login)' if login_result is defined else '' }}"
  - name: broken
    value: "{{ broken_report }}"
  - name: cluster
    value: "{{ login_result_parsed.cluster_name }}"
`);
  return root;
}

interface Doc {
  status: string;
  steps: Array<{ name: string; status: string; output?: unknown; error?: { message: string } }>;
  outputs: Record<string, unknown>;
}

describe.skipIf(!python)("a project in the original's layout and style", () => {
  it('validates with only warnings and runs end to end with the results the original gives', async () => {
    const root = originalProject();
    const env = { AIW_PYTHON: python! };
    const checked = await aiw(['validate'], { root: root.dir, env });
    expect(checked.stdout + checked.stderr).toMatch(/files OK/);
    expect(checked.code).toBe(0);

    const r = await aiw(['run', 'check_deploy', '--json'], { root: root.dir, env });
    const doc = r.json<Doc>();
    const status = Object.fromEntries(doc.steps.map((s) => [s.name, s.status]));
    expect(status).toEqual({
      get_pods: 'success', detect_failure_auth: 'success', quick_fix_auth: 'success', retry_get_pods: 'success',
      analyse: 'success', report_broken: 'success', never_runs: 'skipped',
    });
    expect(doc.steps.find((s) => s.name === 'detect_failure_auth')!.output).toEqual({ auth: true, first_line: '❌ error: You must be logged in to the se' });
    expect(doc.steps.find((s) => s.name === 'analyse')!.output).toEqual({ total: 2, broken: ['web-2'], sha: '3f9a1c2b', tz: 'Europe/Prague' });
    expect(doc.outputs).toEqual({ summary: '2 pods, 1 broken at 3f9a1c2b (after login)', broken: 'TOWER: web-2', cluster: 'stage' });
    // The condition calling len() ran as meant, and aiw said the original would have skipped it.
    expect(r.stderr).toMatch(/report_broken' condition: calls len\(\), which Jinja2 lacks/);
    expect(doc.status).toBe('success');
  });
});
