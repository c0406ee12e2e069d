import type { LearnFixResult } from '../memory/save-fix.js';
import { redact } from '../secrets/redact.js';
import { remedyCommand } from './known-issues.js';

/** The seed's confirmation, plus where the entry is and what the remedy will do. */
export function describeSaved(result: LearnFixResult): string {
  const { fix } = result;
  const lines = [
    result.created ? '✅ Saved tool fix to memory!' : '✅ Updated the saved tool fix in memory!',
    '',
    `Tool: \`${fix.tool_name}\``,
    `Pattern: \`${fix.error_pattern}\``,
    `Root cause: ${fix.root_cause}`,
    `Fix: ${fix.fix_applied}`,
  ];
  if (fix.remedy) lines.push(`Remedy: ${remedyCommand(fix.remedy.tool, fix.remedy.args)} (run by itself, then the step is retried once)`);
  if (!result.created) lines.push(`Prevented so far: ${fix.times_prevented}`);
  lines.push(`Saved in: ${result.file}${result.line ? `:${result.line}` : ''}`, '');
  lines.push(fix.remedy ? 'Next time this pattern appears, aiw applies the remedy and retries.' : "Next time this pattern appears, you'll be reminded of the fix.");
  return `${lines.map(redact).join('\n')}\n`;
}
