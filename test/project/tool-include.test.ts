import { describe, expect, it } from 'vitest';
import { aiw, tempRoot } from '../helpers/temp-root.js';

const OWN_SKILL = 'name: mine\nsteps:\n  - { name: say, tool: echo, args: { message: "from a shipped tool" } }\n';
const OWN_TOOLS = 'tools:\n  mine_tool:\n    command: [echo, own]\n';

describe('tools.include in aiw.config.yaml: a project with its own skills/ uses the shipped tools', () => {
  it('without an include list, an own project sees only its own tools and the built-ins', async () => {
    const root = tempRoot({ 'skills/mine.yaml': OWN_SKILL, 'tools/own.yaml': OWN_TOOLS });
    const r = await aiw(['tools', '--names'], { root: root.dir });
    expect(r.stdout.split('\n')).toContain('mine_tool');
    expect(r.stdout.split('\n')).not.toContain('echo');
    const v = await aiw(['validate'], { root: root.dir });
    expect(v.code).toBe(2);
    expect(v.stdout).toContain("step 'say': unknown tool 'echo'");
  });

  it('include: [basics] loads the shipped basics tools beside the own ones, for run, tools and validate', async () => {
    const root = tempRoot({ 'skills/mine.yaml': OWN_SKILL, 'tools/own.yaml': OWN_TOOLS, 'aiw.config.yaml': 'tools:\n  include: [basics]\n' });
    const names = (await aiw(['tools', '--names'], { root: root.dir })).stdout.split('\n');
    expect(names).toEqual(expect.arrayContaining(['echo', 'disk_usage', 'git_log', 'mine_tool']));
    expect(names).not.toContain('kubectl_get_pods');
    const run = await aiw(['run', 'mine', '--json'], { root: root.dir });
    expect(run.code).toBe(0);
    expect(run.json<{ steps: Array<{ output: string }> }>().steps[0]!.output.trim()).toBe('from a shipped tool');
    expect((await aiw(['validate'], { root: root.dir })).code).toBe(0);
  });

  it('"*" includes every shipped tool file', async () => {
    const root = tempRoot({ 'aiw.config.yaml': 'tools:\n  include: ["*"]\n' });
    const names = (await aiw(['tools', '--names'], { root: root.dir })).stdout.split('\n');
    expect(names).toEqual(expect.arrayContaining(['echo', 'kubectl_get_pods', 'prometheus_query']));
  });

  it('an unknown name is a config problem at its position, with the names that exist (exit 2)', async () => {
    const root = tempRoot({ 'aiw.config.yaml': 'tools:\n  include: [basics, k8z]\n' });
    const r = await aiw(['validate'], { root: root.dir });
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/aiw\.config\.yaml:2:21: tools\.include: aiw ships no tool file 'k8z' \(did you mean 'k8s'\?\); shipped: basics, k8s, monitoring/);
    expect((await aiw(['tools'], { root: root.dir })).code).toBe(2);
  });

  it('an own tool with the name of an included one is a problem naming both places', async () => {
    const root = tempRoot({ 'tools/own.yaml': 'tools:\n  echo:\n    command: [echo, mine]\n', 'aiw.config.yaml': 'tools:\n  include: [basics]\n' });
    const r = await aiw(['tools'], { root: root.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/own\.yaml:2:3: tool 'echo' is already defined at .*tools\/basics\.yaml:\d+/);
  });
});
