import type { LearnFixResult } from '../memory/save-fix.js';
import { redact } from '../secrets/redact.js';
import { shellQuote } from '../tools/shell-quote.js';
import { remedyCommand } from './known-issues.js';

/** The seed's confirmation, plus where the entry is and what the remedy will do (run, or only suggested until trusted). */
export function describeSaved(result: LearnFixResult, trusted = false): string {
  const { fix } = result;
  const lines = [
    result.created ? '✅ Saved tool fix to memory!' : '✅ Updated the saved tool fix in memory!',
    '',
    `Tool: \`${fix.tool_name}\``,
    `Pattern: \`${fix.error_pattern}\``,
    `Root cause: ${fix.root_cause}`,
    `Fix: ${fix.fix_applied}`,
  ];
  if (fix.remedy) lines.push(`Remedy: ${remedyCommand(fix.remedy.tool, fix.remedy.args)} (${trusted ? 'trusted on this machine: run by itself, then the step is retried once' : 'suggested only until you trust it'})`);
  if (!result.created) lines.push(`Prevented so far: ${fix.times_prevented}`);
  lines.push(`Saved in: ${result.file}${result.line ? `:${result.line}` : ''}`, '');
  if (fix.remedy && trusted) lines.push('Next time this pattern appears, aiw applies the remedy and retries.');
  else if (fix.remedy) lines.push(`Next time this pattern appears, aiw shows the remedy; to let it run by itself: aiw memory trust ${shellQuote(fix.tool_name)} ${shellQuote(fix.error_pattern)}`);
  else lines.push("Next time this pattern appears, you'll be reminded of the fix.");
  return `${lines.map(redact).join('\n')}\n`;
}
