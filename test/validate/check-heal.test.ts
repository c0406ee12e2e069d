import { describe, expect, it } from 'vitest';
import { aiw, tempRoot } from '../helpers/temp-root.js';

describe('aiw validate: heal names', () => {
  it('reports a misspelt profile, unknown classes and heal tools, each at file:line:col with did-you-mean', async () => {
    const root = tempRoot({
      'tools/t.yaml': 'tools:\n  get_pods:\n    command: [echo, pods]\n    auto_heal: k8ss\n',
      'skills/s.yaml': [
        'name: s',
        'steps:',
        '  - name: pods',
        '    tool: get_pods',
        '    auto_heal: stag',
        '    retry: { on: [auth, netwrk] }',
        '    quick_fix:',
        '      authh: { tool: kube_login }',
        '      network: { tool: vpn_conect }',
        '',
      ].join('\n'),
      'aiw.config.yaml': 'auto_heal:\n  retry: { on: [timeot] }\n  profiles:\n    mine: { auht: { tool: kube_login }, network: { tool: vpn_connnect } }\n',
    });
    const r = await aiw(['validate'], { root: root.dir });
    const lines = r.stdout.trim().split('\n');
    expect(lines).toEqual(expect.arrayContaining([
      expect.stringMatching(/tools\/t\.yaml:4:16: tool 'get_pods': unknown heal profile 'k8ss' \(did you mean 'k8s'/),
      expect.stringMatching(/skills\/s\.yaml:5:16: step 'pods': unknown heal profile 'stag' \(did you mean 'stage'/),
      expect.stringMatching(/skills\/s\.yaml:6:25: step 'pods' retry\.on: unknown failure class 'netwrk' \(did you mean 'network'/),
      expect.stringMatching(/skills\/s\.yaml:8:7: step 'pods' quick_fix: unknown failure class 'authh' \(did you mean 'auth'/),
      expect.stringMatching(/skills\/s\.yaml:9:24: step 'pods': quick fix for network uses unknown tool 'vpn_conect' \(did you mean 'vpn_connect'/),
      expect.stringMatching(/aiw\.config\.yaml:2:17: auto_heal\.retry\.on: unknown failure class 'timeot' \(did you mean 'timeout'/),
      expect.stringMatching(/aiw\.config\.yaml:4:13: heal profile 'mine': unknown failure class 'auht' \(did you mean 'auth'/),
      expect.stringMatching(/aiw\.config\.yaml:4:\d+: heal profile 'mine' uses unknown tool 'vpn_connnect' for network \(did you mean 'vpn_connect'/),
    ]));
    expect(r.code).toBe(2);
  });

  it("counts a step's detect_failure classes as known", async () => {
    const root = tempRoot({
      'tools/t.yaml': 'tools:\n  get_pods:\n    command: [echo, pods]\n',
      'skills/s.yaml': 'name: s\nsteps:\n  - name: pods\n    tool: get_pods\n    detect_failure: { quota: ["exceeded quota"] }\n    retry: { on: [quota] }\n',
    });
    const r = await aiw(['validate'], { root: root.dir });
    expect(r.stdout).toBe('');
    expect(r.code).toBe(0);
  });
});

describe('aiw validate: every structural problem of a file in one pass', () => {
  it('reports schema problems and duplicate names together', async () => {
    const root = tempRoot({
      'tools/t.yaml': 'tools:\n  say:\n    command: [echo, hi]\n',
      'skills/s.yaml': 'name: s\ninputs:\n  who: { type: string }\nsteps:\n  - name: a\n    tool: say\n  - name: a\n    tool: say\n    bogus: 1\noutputs:\n  - name: o\n    tool: say\n',
    });
    const r = await aiw(['validate'], { root: root.dir });
    const lines = r.stdout.trim().split('\n');
    expect(lines).toEqual(expect.arrayContaining([
      expect.stringMatching(/s\.yaml:3:3: inputs: must be array/),
      expect.stringMatching(/s\.yaml:9:5: unknown property 'bogus'/),
      expect.stringMatching(/s\.yaml:12:5: unknown property 'tool' in outputs\.0/),
      expect.stringMatching(/s\.yaml:7:11: duplicate step name 'a'/),
      expect.stringMatching(/s\.yaml:11:5: output 'o' needs value or compute/),
    ]));
    expect(r.code).toBe(2);
  });
});
