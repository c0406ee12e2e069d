import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { importSkillText } from '../../src/skill/import-original.js';

const ORIGINAL = `# Skill: demo
# A comment that must survive
name: demo
description: A demo
version: "1.0"
tags: [k8s]
personas: [devops]
owner: team-a   # who owns it
inputs:
  namespace:
    type: str
    required: true   # must be given
  tail: 100
steps:
  # get the pods
  - name: get_pods
    tool: kubectl_get_pods
    args: { namespace: "{{ inputs.namespace }}" }
    output: pods_raw
  - name: get_pods
    tool: kubectl_get_pods
    args: { namespace: "{{ inputs.namespace }}" }
    notes: second try
  - name: check-result
    description: "Look at {{ pods_raw }}"
outputs:
  - name: summary
    value: "{{ pods_raw }}"
  - name: notify
    tool: slack_post
    args: { text: x }
`;

describe('importSkillText', () => {
  const imported = importSkillText(ORIGINAL);
  interface Loaded { inputs: unknown[]; outputs: unknown[]; steps: Array<Record<string, unknown>>; [key: string]: unknown }
  const value = parseDocument(imported.text).toJS() as Loaded;

  it('turns a map of inputs into a list and Python type names into schema types', () => {
    expect(value.inputs).toEqual([
      { name: 'namespace', type: 'string', required: true },
      { name: 'tail', default: 100 },
    ]);
  });

  it('removes a tool entry under outputs: (never run by the original) and says so at its line', () => {
    expect(value.outputs).toEqual([{ name: 'summary', value: '{{ pods_raw }}' }]);
    expect(imported.changes).toContainEqual(expect.objectContaining({ line: 29, kind: 'dead-output' }));
  });

  it('renames a duplicate step and keeps storing its result under the old name', () => {
    expect(value.steps[1]).toMatchObject({ name: 'get_pods_2', output: 'get_pods' });
    expect(imported.changes).toContainEqual(expect.objectContaining({ line: 20, kind: 'duplicate' }));
  });

  it('makes invalid step names valid', () => {
    expect(value.steps[2]!.name).toBe('check_result');
  });

  it('keeps tags and personas, and unknown keys as x- extensions', () => {
    expect(value.tags).toEqual(['k8s']);
    expect(value.personas).toEqual(['devops']);
    expect(value['x-owner']).toBe('team-a');
    expect(value.steps[1]!['x-notes']).toBe('second try');
  });

  it('sets dialect: python after the version', () => {
    expect(Object.keys(value).slice(0, 4)).toEqual(['name', 'description', 'version', 'dialect']);
    expect(value.dialect).toBe('python');
  });

  it('keeps comments', () => {
    expect(imported.text).toContain('# A comment that must survive');
    expect(imported.text).toContain('# get the pods');
    expect(imported.text).toContain('# who owns it');
    expect(imported.text).toContain('# must be given');
  });

  it('keeps comments aligned in columns where a line did not change', () => {
    const r = importSkillText('name: x\nlinks:\n  depends_on: []      # none\n  validates: []       # none either\nsteps:\n  - name: a\n    description: hi\n');
    expect(r.text).toContain('  depends_on: []      # none\n  validates: []       # none either\n');
  });

  it('is idempotent: an imported file comes back unchanged with no changes', () => {
    const again = importSkillText(imported.text);
    expect(again.changes).toEqual([]);
    expect(again.text).toBe(imported.text);
  });

  it('turns a map of outputs into a list of {name, value}', () => {
    const r = importSkillText('name: x\nsteps:\n  - name: a\n    description: hi\noutputs:\n  result: "{{ a }}"\n  report:\n    value: done\n');
    expect((parseDocument(r.text).toJS() as Record<string, unknown>).outputs).toEqual([{ name: 'result', value: '{{ a }}' }, { name: 'report', value: 'done' }]);
  });

  it('leaves a file with a syntax error as it is and reports where', () => {
    const r = importSkillText('name: x\nsteps: [\n');
    expect(r.text).toBe('name: x\nsteps: [\n');
    expect(r.syntaxError?.line).toBeGreaterThan(0);
  });
});
