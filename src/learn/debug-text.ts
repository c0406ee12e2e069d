import { formatKnownIssues } from './known-issue-text.js';
import { redact } from '../secrets/redact.js';
import type { DebugReport } from './debug-model.js';

const MAX_ERROR_LINES = 15;

/** The debug report for a terminal: plain text, sections in the order a person works through them. */
export function formatDebugReport(r: DebugReport): string {
  const out: string[] = [];
  const where = `${r.location.file}${r.location.line ? `:${r.location.line}` : ''}`;
  out.push(`🔧 Debugging \`${r.tool}\` (${r.kind} tool)${r.description ? `: ${r.description}` : ''}`, '');
  out.push(`Defined at: ${where}`, '', indent(r.definition), '');
  if (r.error) {
    const lines = r.error.trim().split('\n');
    const shown = lines.length > MAX_ERROR_LINES ? [...lines.slice(0, MAX_ERROR_LINES), `… (${lines.length - MAX_ERROR_LINES} more lines)`] : lines;
    out.push(`Error${r.error_source === 'last recorded failure' ? ' (its last recorded failure)' : ''}:`, indent(shown.join('\n')), '');
    out.push(`Failure class: ${r.failure_class ?? 'none of the known classes'}${r.classified_by ? ` (matched '${r.classified_by}')` : ''}`, '');
  } else {
    out.push('Error: none given and none recorded; pass the text you saw: aiw debug-tool <tool> "<error text>"', '');
  }
  out.push(`Recent failures (${r.recent_failures.length ? `newest first, ${r.recent_failures.length}` : 'none recorded'}):`);
  for (const f of r.recent_failures) {
    const error = redact(String(f.error ?? '')).split('\n')[0]!.slice(0, 160);
    const fix = f.fix_attempted ? ` fix: ${String(f.fix_attempted)}${f.success ? ' ✓' : ' ✗'}` : '';
    const where = f.skill ? ` [${String(f.skill)}${f.step ? `/${String(f.step)}` : ''}]` : '';
    out.push(`  ${String(f.timestamp)}${where} ${f.error_type ? `${String(f.error_type)}: ` : ''}${error}${fix}`);
  }
  out.push('');
  if (r.known_issues.length) out.push(...formatKnownIssues(r.known_issues, ''), '');
  else out.push('Known issues: none for this tool or this error yet.', '');
  out.push('How to find and fix the cause:');
  r.steps.forEach((s, i) => out.push(`${String(i + 1).padStart(2)}. ${s}`));
  out.push('', 'Save the fix once it works:', `  ${r.learn_fix_command}`);
  for (const w of r.warnings) out.push(`warning: ${w}`);
  return `${out.map(redact).join('\n')}\n`;
}

function indent(text: string): string {
  return text.split('\n').map((l) => `    ${l}`).join('\n');
}
