import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readBlockEntry } from '../../../src/memory/attempt-log/block-entry.js';

/** What the YAML parser reads from the same lines: the fast path must agree or step aside. */
function viaYaml(text: string): unknown {
  return (parse(text) as unknown[])[0];
}

const FAST = [
  '"No route to host"', '"tab\\there \\"quoted\\" \\u00e9"', "'single ''quoted'' text'", 'true', 'false', 'null', '~',
  '0', '42', '-7', '123456789012345', 'plain words here', 'N/A - GitLab uses tokens', 'vpn_connect', 'a/b.c@d+e-f',
  '"2026-01-04T10:30:00"',
];
const VALUES = [
  ...FAST,
  'True', 'yes', 'off', '1e3', '0x1F', '012', '-0', '.inf', '3.14', '"\\x41 yaml escape"', '"unterminated', "'it''s' x",
  'a: b', 'value # comment', '[1, 2]', '{a: 1}', '&anchor x', '*alias', '!tag x', '|', '>', '@at', '`tick', '%pct',
  '2026-01-04T10:30:00', '',
];

describe('readBlockEntry', () => {
  it.each(VALUES)('reads %j as yaml does, or leaves it to yaml', (value) => {
    const text = `  - tool: t\n    value: ${value}\n    success: true\n`;
    const lines = text.split('\n');
    const fast = readBlockEntry(lines, 0, lines.length, 2);
    if (FAST.includes(value)) expect(fast).toBeDefined();
    if (fast !== undefined) expect(fast).toEqual(viaYaml(text));
  });

  it('reads the seed layout, with blank lines between entries', () => {
    const text = '  - tool: kubectl_get_pods\n    error: "No route to host"\n    fix_attempted: "vpn_connect"\n    success: true\n    timestamp: "2026-01-04T10:30:00"\n    skill: "investigate_alert"\n\n';
    const lines = text.split('\n');
    expect(readBlockEntry(lines, 0, lines.length, 2)).toEqual(viaYaml(text));
  });

  it('leaves nested values, comments, duplicate keys and odd indentation to yaml', () => {
    for (const text of ['  - tool: t\n    nested:\n      a: 1\n', '  - tool: t\n    # note\n', '  - tool: t\n    tool: u\n', '  - tool: t\n     success: true\n']) {
      const lines = text.split('\n');
      expect(readBlockEntry(lines, 0, lines.length, 2)).toBeUndefined();
    }
  });
});
