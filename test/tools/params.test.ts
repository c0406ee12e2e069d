import { describe, expect, it } from 'vitest';
import { bindParams } from '../../src/tools/params.js';
import type { ParamSpec } from '../../src/model/tool.js';
import { aiw, tempRoot } from '../helpers/temp-root.js';

const PARAMS: Record<string, ParamSpec> = {
  pod_name: { type: 'string', required: true, aliases: ['pod'] },
  tail: { type: 'integer', default: 100 },
};

describe('param aliases', () => {
  it('binds a call written with either name to the same param', () => {
    expect(bindParams('logs', PARAMS, { pod_name: 'web-1' })).toEqual({ pod_name: 'web-1', tail: 100 });
    expect(bindParams('logs', PARAMS, { pod: 'web-1', tail: '5' })).toEqual({ pod_name: 'web-1', tail: 5 });
  });

  it('refuses both names at once instead of choosing one silently', () => {
    expect(() => bindParams('logs', PARAMS, { pod: 'a', pod_name: 'b' })).toThrow(/'pod' and 'pod_name' are the same param/);
  });

  it("lets validate accept the shipped tools' calls written for the Python project", async () => {
    const root = tempRoot({
      'skills/s.yaml': [
        'name: s',
        'steps:',
        '  - name: logs',
        '    tool: kubectl_logs',
        '    args: { pod_name: web-1, namespace: ns, environment: production, since: 1h, container: app, tail: 500 }',
        '  - name: old_names',
        '    tool: kubectl_logs',
        '    args: { pod: web-1, namespace: ns }',
        '  - name: pods',
        '    tool: kubectl_get_pods',
        '    args: { namespace: ns, environment: stage, selector: app=web }',
        '  - name: q',
        '    tool: prometheus_query',
        '    args: { query: up, environment: production }',
        '  - name: alerts',
        '    tool: alertmanager_alerts',
        '    args: { environment: stage, filter_name: Automation Analytics, silenced: false, inhibited: false }',
        '  - name: describe',
        '    tool: kubectl_describe_pod',
        '    args: { pod_name: web-1, namespace: ns, environment: production }',
        '',
      ].join('\n'),
    });
    root.write('tools/.keep', '');
    const shipped = new URL('../../tools/', import.meta.url).pathname;
    for (const f of ['k8s.yaml', 'monitoring.yaml']) root.write(`tools/${f}`, (await import('node:fs')).readFileSync(shipped + f, 'utf8'));
    const r = await aiw(['validate', 'skills/s.yaml'], { root: root.dir });
    expect(r.stdout).toBe('');
    expect(r.code).toBe(0);
  });
});
