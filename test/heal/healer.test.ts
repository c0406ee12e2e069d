import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Healer } from '../../src/heal/healer.js';
import type { Clock } from '../../src/heal/retry-policy.js';
import type { EngineEvent } from '../../src/model/events.js';
import { prepareCall } from '../../src/tools/execute-tool.js';
import { ToolRegistry } from '../../src/tools/registry.js';
import { builtinTools } from '../../src/tools/builtin/index.js';
import { aiw, tempRoot, type TempRoot } from '../helpers/temp-root.js';

/** A tool that needs a token file, and a login that writes it: the real shape of an expired login. */
function authProject(extraConfig = ''): TempRoot {
  const root = tempRoot();
  root.script('bin/kubectl-like', `
if [ ! -f "$TOKEN_FILE" ]; then
  echo "error: You must be logged in to the server (Unauthorized)" >&2
  exit 1
fi
echo '{"items": ["pod-a"]}'`);
  root.script('bin/login', `echo login >> "$COUNT_FILE"; echo token > "$TOKEN_FILE"`);
  root.script('bin/bad-login', 'echo "login server down" >&2; exit 7');
  root.write('tools/t.yaml', `
tools:
  get_pods:
    command: ["${root.path('bin/kubectl-like')}"]
    env: { TOKEN_FILE: "${root.path('token')}" }
    params: { environment: { type: string, default: stage } }
    parse: json
    auto_heal: site
  login:
    command: ["${root.path('bin/login')}"]
    env: { TOKEN_FILE: "${root.path('token')}", COUNT_FILE: "${root.path('logins')}" }
    params: { cluster: { type: string } }
  bad_login:
    command: ["${root.path('bin/bad-login')}"]
  ok_but_says_failed:
    command: [printf, "❌ could not list pods"]
    failed_when: ["❌"]
`);
  root.write('aiw.config.yaml', `
auto_heal:
  retry: { max_attempts: 3, delay: 0, jitter: false }
  profiles:
    site: { auth: { tool: login, args: { cluster: "{{ args.environment }}" } } }
${extraConfig}`);
  return root;
}

interface StepDoc {
  name: string;
  status: string;
  attempts: number;
  heals?: Array<{ class: string; fix: string; fix_success: boolean; pattern?: string; source?: string; error?: string }>;
  classification?: { class: string; pattern: string };
  error?: { code: string; message: string };
  output?: unknown;
}

function failures(root: TempRoot): Array<Record<string, unknown>> {
  const doc = parse(readFileSync(root.path('memory/learned/tool_failures.yaml'), 'utf8')) as { failures: Array<Record<string, unknown>> };
  return doc.failures;
}

describe('auto-heal', () => {
  it('runs the profile fix for an auth failure, retries, and marks the step healed', async () => {
    const root = authProject();
    root.write('skills/s.yaml', 'name: s\nsteps:\n  - name: pods\n    tool: get_pods\n    on_error: auto_heal\n');
    const r = await aiw(['run', 's', '--json'], { root: root.dir });
    expect(r.code).toBe(0);
    const step = r.json<{ steps: StepDoc[] }>().steps[0]!;
    expect(step.status).toBe('healed');
    expect(step.attempts).toBe(2);
    expect(step.output).toEqual({ items: ['pod-a'] });
    expect(step.heals).toEqual([expect.objectContaining({ class: 'auth', fix: 'login', fix_success: true })]);
    expect(step.heals![0]!.pattern).toBeTruthy();
    expect(r.stderr).toMatch(/attempt 1\/3 of get_pods failed \[auth: matched/);
    const records = failures(root);
    expect(records.map((f) => [f.kind, f.success, f.attempt])).toEqual([['attempt', false, 1], ['fix', true, 1], ['attempt', true, 2]]);
    expect(records[0]).toMatchObject({ tool: 'get_pods', error_type: 'auth', skill: 's', step: 'pods', fix_attempted: null });
    expect(records[1]).toMatchObject({ fix_attempted: 'login', error_type: 'auth' });
    expect(String(records[0]!.timestamp)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d([+-]\d\d:\d\d)$/);
    expect(records.every((f) => f.run_id === records[0]!.run_id)).toBe(true);
  });

  it('writes nothing to the attempt log for a call that succeeds at once', async () => {
    const root = authProject();
    root.write('token', 'x');
    root.write('skills/s.yaml', 'name: s\nsteps:\n  - name: pods\n    tool: get_pods\n    on_error: auto_heal\n');
    const r = await aiw(['run', 's', '--json'], { root: root.dir });
    expect(r.json<{ steps: StepDoc[] }>().steps[0]!.status).toBe('success');
    expect(() => readFileSync(root.path('memory/learned/tool_failures.yaml'))).toThrow();
  });

  it('fails the step when the fix fails, and the skill continues (auto_heal behaves like continue)', async () => {
    const root = authProject();
    root.write('skills/s.yaml', `
name: s
steps:
  - name: pods
    tool: get_pods
    on_error: auto_heal
    quick_fix: { auth: { tool: bad_login } }
  - name: after
    compute: "return steps.pods.failure_class"
`);
    const r = await aiw(['run', 's', '--json'], { root: root.dir });
    expect(r.code).toBe(0);
    const doc = r.json<{ status: string; steps: StepDoc[] }>();
    expect(doc.status).toBe('partial');
    expect(doc.steps[0]!).toMatchObject({ status: 'failed', attempts: 1 });
    expect(doc.steps[0]!.heals![0]).toMatchObject({ fix: 'bad_login', fix_success: false, source: 'step' });
    expect(doc.steps[0]!.heals![0]!.error).toContain('login server down');
    expect(doc.steps[1]!.output).toBe('auth');
    expect(failures(root).map((f) => [f.kind, f.success])).toEqual([['attempt', false], ['fix', false]]);
  });

  it('does not retry a failure whose class has no fix', async () => {
    const root = authProject();
    root.script('bin/quota', 'echo "Error: exceeded quota: compute-resources" >&2; exit 1');
    root.write('tools/q.yaml', `tools:\n  quota_tool:\n    command: ["${root.path('bin/quota')}"]\n    auto_heal: site\n`);
    root.write('skills/s.yaml', `
name: s
steps:
  - name: q
    tool: quota_tool
    on_error: auto_heal
    detect_failure: { quota: ["/exceeded quota/i"] }
`);
    const step = (await aiw(['run', 's', '--json'], { root: root.dir })).json<{ steps: StepDoc[] }>().steps[0]!;
    expect(step).toMatchObject({ status: 'failed', attempts: 1, classification: { class: 'quota', pattern: '/exceeded quota/i' } });
    expect(step.heals).toBeUndefined();
  });

  it('retries the classes an explicit retry: names, with no fix for them: a closed port, 3 attempts', async () => {
    const root = authProject();
    const server = await import('node:net').then((net) => new Promise<import('node:net').Server>((resolve) => {
      const s = net.createServer();
      s.listen(0, '127.0.0.1', () => resolve(s));
    }));
    const port = (server.address() as import('node:net').AddressInfo).port;
    await new Promise((resolve) => server.close(resolve));
    root.write('tools/n.yaml', `tools:\n  probe:\n    http: { url: "http://127.0.0.1:${port}/" }\n`);
    root.write('skills/s.yaml', `
name: s
steps:
  - name: p
    tool: probe
    on_error: auto_heal
    retry: { max_attempts: 3, on: [network, timeout], delay: 0 }
`);
    const step = (await aiw(['run', 's', '--json'], { root: root.dir })).json<{ steps: StepDoc[] }>().steps[0]!;
    expect(step).toMatchObject({ status: 'failed', attempts: 3, classification: { class: 'network' } });
    expect(failures(root).map((f) => [f.kind, f.attempt, f.error_type])).toEqual([['attempt', 1, 'network'], ['attempt', 2, 'network'], ['attempt', 3, 'network']]);
  });

  it('an explicit retry: goes on after a fix that failed, reporting the failed fix', async () => {
    const root = authProject();
    root.write('skills/s.yaml', `
name: s
steps:
  - name: pods
    tool: get_pods
    on_error: auto_heal
    quick_fix: { auth: { tool: bad_login } }
    retry: { max_attempts: 2, delay: 0 }
`);
    const step = (await aiw(['run', 's', '--json'], { root: root.dir })).json<{ steps: StepDoc[] }>().steps[0]!;
    expect(step).toMatchObject({ status: 'failed', attempts: 2 });
    expect(step.heals!.map((h) => [h.fix, h.fix_success])).toEqual([['bad_login', false]]);
  });

  it('retries a timed-out tool under an explicit retry: on [timeout]', async () => {
    const root = authProject();
    root.write('tools/s.yaml', 'tools:\n  slow:\n    command: [sleep, "5"]\n');
    root.write('skills/s.yaml', `
name: s
steps:
  - name: z
    tool: slow
    timeout: 200ms
    retry: { max_attempts: 2, on: [timeout], delay: 0 }
    on_error: continue
`);
    const step = (await aiw(['run', 's', '--json'], { root: root.dir })).json<{ steps: StepDoc[] }>().steps[0]!;
    expect(step).toMatchObject({ status: 'failed', attempts: 2, classification: { class: 'timeout' } });
  });

  it('treats output matching failed_when as a failure even on exit code 0', async () => {
    const root = authProject();
    root.write('skills/s.yaml', 'name: s\nsteps:\n  - name: x\n    tool: ok_but_says_failed\n    on_error: continue\n');
    const step = (await aiw(['run', 's', '--json'], { root: root.dir })).json<{ steps: StepDoc[] }>().steps[0]!;
    expect(step.status).toBe('failed');
    expect(step.error?.message).toContain("matched failed_when '❌'");
  });

  it('shares a fix within a run: the second step retries without logging in again', async () => {
    const root = authProject();
    root.write('skills/s.yaml', `
name: s
steps:
  - name: first
    tool: get_pods
    on_error: auto_heal
  - name: forget_token
    tool: forget
  - name: second
    tool: get_pods
    on_error: auto_heal
`);
    root.write('tools/f.yaml', `tools:\n  forget:\n    command: [rm, -f, "${root.path('token')}"]\n`);
    const doc = (await aiw(['run', 's', '--json'], { root: root.dir })).json<{ steps: StepDoc[] }>();
    expect(doc.steps[0]!.status).toBe('healed');
    // The login is shared for the cooldown, so the second step's fix is reused, not run: it stays failed after its retry.
    expect(doc.steps[2]!.heals![0]).toMatchObject({ source: 'shared', fix_success: true });
    expect(readFileSync(root.path('logins'), 'utf8').trim().split('\n')).toHaveLength(1);
  });

  it('stops running fixes when the run budget is used up', async () => {
    const root = authProject('  budget: 1\n  cooldown: 0s\n');
    root.write('tools/f.yaml', `tools:\n  forget:\n    command: [rm, -f, "${root.path('token')}"]\n`);
    root.write('skills/s.yaml', `
name: s
steps:
  - { name: first, tool: get_pods, on_error: auto_heal }
  - { name: forget_token, tool: forget }
  - { name: second, tool: get_pods, on_error: auto_heal }
`);
    const doc = (await aiw(['run', 's', '--json'], { root: root.dir })).json<{ steps: StepDoc[] }>();
    expect(doc.steps[0]!.status).toBe('healed');
    expect(doc.steps[2]!.status).toBe('failed');
    expect(doc.steps[2]!.heals![0]!.error).toMatch(/budget of 1 fixes/);
  });

  it('heals `aiw tool` the same way', async () => {
    const root = authProject();
    const r = await aiw(['tool', 'get_pods', '--json'], { root: root.dir });
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({ status: 'healed', attempts: 2, output: { items: ['pod-a'] } });
  });
});

describe('retry timing', () => {
  it('waits min(max_delay, delay x backoff^(n-1)) with full jitter between attempts', async () => {
    const root = tempRoot();
    root.script('bin/down', 'echo "dial tcp 127.0.0.1:6443: connect: connection refused" >&2; exit 1');
    root.script('bin/vpn', 'exit 0');
    root.write('tools/t.yaml', `tools:\n  down:\n    command: ["${root.path('bin/down')}"]\n  vpn:\n    command: ["${root.path('bin/vpn')}"]\n`);
    const registry = await ToolRegistry.load(root.path('tools'), builtinTools());
    const sleeps: number[] = [];
    let now = 1_000_000;
    const clock: Clock = { now: () => now, random: () => 0.5, sleep: async (ms) => void (sleeps.push(ms), (now += ms)) };
    const events: EngineEvent[] = [];
    const healer = new Healer({
      registry, config: { auto_heal: { cooldown: 0 } }, env: process.env, runId: 'r', emit: (e) => events.push(e), clock,
    });
    const outcome = await healer.call({
      prepared: prepareCall(registry.get('down'), {}), skill: 's', step: 'x', depth: 0, scope: {},
      policy: { onError: 'auto_heal', quickFix: { network: { tool: 'vpn' } }, retry: { max_attempts: 5, delay: '2s', backoff: 3, max_delay: '10s', jitter: true } },
    });
    expect(outcome.attempts).toBe(5);
    expect(outcome.status).toBe('failed');
    // caps: 2s, 6s, 10s (18s capped), 10s; full jitter at random()=0.5 halves each cap
    expect(sleeps).toEqual([1000, 3000, 5000, 5000]);
    expect(events.filter((e) => e.kind === 'retry').map((e) => (e as { attempt: number }).attempt)).toEqual([2, 3, 4, 5]);
  });
});
