import type { SeedSections } from '../memory/attempt-log/seed-sections.js';

/** The Python project's extra sections of tool_failures.yaml, for `aiw memory failures --json`. */
export function seedFailuresDoc(seed: SeedSections): Record<string, unknown> {
  if (!seed.autoFixes.length && !seed.toolFailures.length && !seed.history.length) return {};
  return { python_project: { auto_fixes: seed.autoFixes, tool_failures: seed.toolFailures, failure_history: seed.history.length } };
}

/** The same as text: quick-fix rules, then known failures per tool with their fix. */
export function seedFailuresText(seed: SeedSections): string[] {
  const out: string[] = [];
  if (seed.autoFixes.length) {
    out.push(`Quick-fix rules from the Python project (auto_fixes): ${seed.autoFixes.length}`);
    for (const f of seed.autoFixes) {
      const fix = f.manual ? `by hand${f.message ? `: ${f.message}` : ''}` : f.fix_action ?? '?';
      out.push(`  ${f.name}: ${f.patterns.map((p) => `\`${p}\``).join(', ')} -> ${fix}${f.success_rate !== undefined ? ` (${Math.round(f.success_rate * 100)}% success)` : ''}  (line ${f.line})`);
    }
    out.push('');
  }
  if (seed.toolFailures.length) {
    out.push(`Known failures per tool from the Python project (tool_failures): ${seed.toolFailures.length}`);
    for (const f of seed.toolFailures) {
      const tag = f.not_an_error ? ' (not an error)' : f.manual ? ' (by hand)' : '';
      out.push(`  ${f.tool}: \`${f.error}\`${f.fix ? ` -> ${f.fix}` : ''}${tag}  (line ${f.line})`);
    }
    out.push('');
  }
  return out;
}

/** The counters the Python project's decorator kept, beside aiw's own statistics. */
export function seedStatsText(seed: SeedSections): string[] {
  const s = seed.stats;
  if (!s) return [];
  const out = [`Counters kept by the Python project (stats): total failures ${s.total_failures ?? 0}, auto-fixed ${s.auto_fixed ?? 0}, manual ${s.manual_required ?? 0}${s.last_updated ? `, last updated ${s.last_updated}` : ''}`];
  const days = Object.entries(s.daily).sort(([a], [b]) => a.localeCompare(b)).slice(-7);
  for (const [day, c] of days) out.push(`  ${day}  total ${c.total ?? 0}  auto-fixed ${c.auto_fixed ?? 0}`);
  const weeks = Object.entries(s.weekly).sort(([a], [b]) => a.localeCompare(b)).slice(-4);
  for (const [week, c] of weeks) out.push(`  ${week}  total ${c.total ?? 0}  auto-fixed ${c.auto_fixed ?? 0}`);
  out.push('');
  return out;
}
