import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { healMode } from '../../src/heal/heal-mode.js';
import { aiw, tempRoot, type TempRoot } from '../helpers/temp-root.js';

/** A tool with a heal profile that fails until a login wrote its token. */
function project(): TempRoot {
  const root = tempRoot();
  root.script('bin/list', `[ -f "$TOKEN" ] || { echo "Error from server (Forbidden): pods is forbidden" >&2; exit 1; }\necho ok`);
  root.script('bin/login', 'echo token > "$TOKEN"; echo "$1" >> "$LOGINS"');
  root.write('tools/t.yaml', `
tools:
  list_pods:
    command: ["${root.path('bin/list')}"]
    env: { TOKEN: "${root.path('token')}" }
    auto_heal: site
  login:
    command: ["${root.path('bin/login')}", "{{ who }}"]
    env: { TOKEN: "${root.path('token')}", LOGINS: "${root.path('logins')}" }
    params: { who: { type: string } }
`);
  root.write('aiw.config.yaml', `
auto_heal:
  retry: { max_attempts: 2, delay: 0, jitter: false }
  profiles:
    site: { auth: { tool: login, args: { who: site } } }
    other: { auth: { tool: login, args: { who: other } } }
`);
  return root;
}

const skill = (extra: string) => `name: s\nsteps:\n  - name: pods\n    tool: list_pods\n${extra}  - name: after\n    tool: login\n    args: { who: after }\n`;

describe('tool-level heals', () => {
  it("heals a tool that declares a profile when the step says nothing about errors (Forbidden is auth)", async () => {
    const root = project();
    root.write('skills/s.yaml', skill(''));
    const r = await aiw(['run', 's', '--json'], { root: root.dir });
    expect(r.json<{ steps: Array<{ status: string; attempts: number }> }>().steps[0]).toMatchObject({ status: 'healed', attempts: 2 });
    expect(readFileSync(root.path('logins'), 'utf8')).toBe('site\nafter\n');
    expect(r.code).toBe(0);
  });

  it('heals with on_error: fail too; on_error only decides what happens after the last attempt', async () => {
    const root = project();
    root.write('skills/s.yaml', skill('    on_error: fail\n'));
    const r = await aiw(['run', 's', '--json'], { root: root.dir });
    expect(r.json<{ steps: Array<{ status: string }> }>().steps[0]!.status).toBe('healed');
    expect(r.code).toBe(0);
  });

  it('does not heal a step that opts out with auto_heal: false', async () => {
    const root = project();
    root.write('skills/s.yaml', skill('    auto_heal: false\n'));
    const r = await aiw(['run', 's', '--json'], { root: root.dir });
    expect(r.json<{ steps: Array<{ status: string; attempts: number }> }>().steps[0]).toMatchObject({ status: 'failed', attempts: 1 });
    expect(existsSync(root.path('logins'))).toBe(false);
    expect(r.code).toBe(1);
  });

  it('heals with another profile when the step names one', async () => {
    const root = project();
    root.write('skills/s.yaml', skill('    auto_heal: other\n'));
    const r = await aiw(['run', 's'], { root: root.dir });
    expect(readFileSync(root.path('logins'), 'utf8')).toBe('other\nafter\n');
    expect(r.code).toBe(0);
  });

  it('aiw tool --no-heal does not heal a tool with a profile', async () => {
    const root = project();
    const r = await aiw(['tool', 'list_pods', '--no-heal'], { root: root.dir });
    expect(r.code).toBe(1);
    expect(existsSync(root.path('logins'))).toBe(false);
  });
});

describe('healMode', () => {
  it('reads the step and the tool the same way for every caller', () => {
    expect(healMode({ onError: 'fail' }, undefined)).toEqual({ heals: false, profile: undefined });
    expect(healMode({ onError: 'fail' }, 'k8s')).toEqual({ heals: true, profile: 'k8s' });
    expect(healMode({ onError: 'continue', autoHeal: false }, 'k8s')).toEqual({ heals: false, profile: undefined });
    expect(healMode({ onError: 'auto_heal' }, undefined)).toEqual({ heals: true, profile: undefined });
    expect(healMode({ onError: 'fail', autoHeal: 'git' }, 'k8s')).toEqual({ heals: true, profile: 'git' });
  });
});
