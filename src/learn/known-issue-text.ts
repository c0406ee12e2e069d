import type { KnownIssueMatch } from '../model/run.js';
import { redact } from '../secrets/redact.js';

/** The "💡 Known Issues Found!" block, as plain lines. */
export function formatKnownIssues(matches: KnownIssueMatch[], indent = '  '): string[] {
  if (!matches.length) return [];
  const lines = [`${indent}💡 Known Issues Found!`];
  for (const m of matches) {
    const head = m.source === 'tool_fixes' ? `Previous fix for \`${m.tool_name ?? '?'}\`` : `Known pattern${m.category ? ` (${m.category})` : ''}`;
    lines.push(`${indent}- ${head}${m.pattern ? `: pattern \`${m.pattern}\`` : ''}`);
    if (m.meaning) lines.push(`${indent}    meaning: ${m.meaning}`);
    if (m.root_cause) lines.push(`${indent}    root cause: ${m.root_cause}`);
    if (m.fix) lines.push(`${indent}    fix: ${m.fix}`);
    for (const c of m.commands ?? []) lines.push(`${indent}    run: ${c}`);
    if (m.remedy_note) lines.push(`${indent}    remedy ${m.remedy_note}`);
    if (m.times_prevented) lines.push(`${indent}    prevented ${m.times_prevented} time${m.times_prevented === 1 ? '' : 's'} so far`);
  }
  return lines.map(redact);
}
