import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { normalizeSeedRecord, parseSeedSections } from '../../../src/memory/attempt-log/seed-sections.js';

const FILE = fileURLToPath(new URL('../../skill/fixtures/original-project/memory/learned/tool_failures.yaml', import.meta.url));

describe("the Python project's sections of tool_failures.yaml", () => {
  const seed = parseSeedSections(readFileSync(FILE, 'utf8'), FILE);

  it('reads auto_fixes with their patterns, action or manual message, and line', () => {
    expect(seed.autoFixes).toEqual([
      { name: 'unauthorized', patterns: ['unauthorized', '401', 'forbidden', '403', 'token expired'], fix_action: 'kube_login', success_rate: 0.95, line: 6 },
      { name: 'registry_auth', patterns: ['manifest unknown', 'podman login'], fix_action: 'suggest_podman_login', manual: true, message: 'Run: podman login quay.io', line: 17 },
    ]);
  });

  it('reads tool_failures per tool, keeping "not an error" entries marked', () => {
    expect(seed.toolFailures.map((f) => [f.tool, f.error, f.fix, f.not_an_error ?? false])).toEqual([
      ['kubectl_get_pods', 'Unauthorized', 'kube_login()', false],
      ['kubectl_get_pods', 'No resources found', 'Normal - namespace may be empty', true],
      ['kibana_search_logs', '403 Forbidden', 'Manual browser login required', false],
    ]);
  });

  it('reads failure_history as records and the decorator counters under stats', () => {
    expect(seed.history).toEqual([expect.objectContaining({ tool: 'gitlab_mr_list', error: '401 Unauthorized', success: false })]);
    expect(seed.stats).toMatchObject({ total_failures: 2, auto_fixed: 2, manual_required: 0, daily: { '2026-02-20': { total: 1, auto_fixed: 1 } } });
    expect(seed.warnings).toEqual([]);
  });

  it("reads the decorator's error_snippet and fix_applied as error and fix_attempted", () => {
    const r = normalizeSeedRecord({ tool: 'kubectl_logs', success: true, timestamp: 't', error_snippet: 'no route to host', fix_applied: 'vpn_connect' } as never);
    expect(r).toMatchObject({ error: 'no route to host', fix_attempted: 'vpn_connect' });
  });

  it('costs nothing for a file aiw wrote: no such sections, nothing parsed', () => {
    expect(parseSeedSections('failures:\n  - {"tool":"x","success":true,"timestamp":"t"}\n', 'f')).toEqual({ autoFixes: [], toolFailures: [], history: [], stats: null, warnings: [] });
  });

  it('warns at file:line:col about a failure_history entry it cannot read, and reads the rest', () => {
    const r = parseSeedSections('failure_history:\n  - just text\n  - { tool: t, success: true, timestamp: x }\n', 'f.yaml');
    expect(r.history).toHaveLength(1);
    expect(r.warnings).toEqual([{ file: 'f.yaml', line: 2, col: 5, message: expect.stringContaining('failure_history entry skipped') }]);
  });
});
