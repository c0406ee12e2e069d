import { describe, expect, it } from 'vitest';
import { collapseRepeats } from '../../src/report/reporter.js';
import { aiw, tempRoot } from '../helpers/temp-root.js';

function project(skill: string) {
  const root = tempRoot();
  root.script('bin/refused', 'for i in 1 2 3 4 5; do echo "The connection to the server 127.0.0.1:6443 was refused" >&2; done; exit 1');
  root.script('bin/chatty', 'echo "line one"; echo "warn: two" >&2; sleep 0.6; echo "line three"');
  root.write('tools/t.yaml', `tools:
  kube:
    command: ["${root.path('bin/refused')}"]
  chatty:
    command: ["${root.path('bin/chatty')}", "--flag", "a b"]
`);
  root.write('memory/learned/patterns.yaml', 'network_patterns:\n  - pattern: "connection to the server"\n    meaning: the cluster cannot be reached\n    fix: connect the VPN\n');
  root.write('skills/s.yaml', skill);
  return root;
}

const TWICE = `name: s
steps:
  - { name: pods, tool: kube, on_error: continue }
  - { name: events, tool: kube, on_error: continue }
`;

describe('run output for people', () => {
  it('shows a known issue in full once per run, then points back to it', async () => {
    const r = await aiw(['run', 's'], { root: project(TWICE).dir });
    expect(r.stdout.match(/💡 Known Issues Found!/g)).toHaveLength(1);
    expect(r.stdout).toContain('💡 same known issue as above: `connection to the server`');
  });

  it('collapses runs of the same line in an error', async () => {
    const r = await aiw(['run', 's'], { root: project(TWICE).dir });
    expect(r.stdout).toContain('The connection to the server 127.0.0.1:6443 was refused (×4)');
    expect(r.stdout.match(/was refused$/gm)).toHaveLength(2);
    expect(collapseRepeats('a\na\nb\n\n\nc')).toBe('a (×2)\nb\n\n\nc');
  });

  it('-q prints only failures and the closing line', async () => {
    const r = await aiw(['run', 's', '-q'], { root: project(`name: s
steps:
  - { name: fine, tool: chatty }
  - { name: pods, tool: kube, on_error: continue }
`).dir });
    expect(r.stdout).not.toMatch(/fine/);
    expect(r.stdout).toMatch(/✖ pods failed/);
    expect(r.stdout).toMatch(/^PARTIAL s in .*1 succeeded, 1 failed/m);
  });

  it('-v prints the command line and streams the output, prefixed by the step', async () => {
    const root = project('name: s\nsteps:\n  - { name: talk, tool: chatty }\n');
    const r = await aiw(['run', 's', '-v'], { root: root.dir });
    expect(r.stdout).toContain(`talk $ ${root.path('bin/chatty')} --flag 'a b'`);
    expect(r.stdout).toMatch(/talk \| line one\n[\s\S]*talk ! warn: two\n[\s\S]*talk \| line three/);
  });

  it('prints a heartbeat in CI for a step that runs long', async () => {
    const root = project('name: s\nsteps:\n  - { name: talk, tool: chatty }\n');
    const r = await aiw(['run', 's'], { root: root.dir, env: { AIW_HEARTBEAT: '0.2' } });
    expect(r.stdout).toMatch(/… talk still running \(\d+ ms\)/);
  });
});
