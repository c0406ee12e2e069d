import { AiwError } from '../errors/errors.js';
import { describeInputs } from '../engine/inputs.js';
import { formatWarning } from '../learn/known-issues.js';
import { computeFailureStats } from '../learn/stats.js';
import { formatStatsText } from '../learn/stats-text.js';
import { readFailures } from '../memory/attempt-log/attempt-log.js';
import { learnedFile } from '../memory/fix-store.js';
import { isReturnItem, type ReturnItem, type Step } from '../model/skill.js';
import type { Session } from '../session/session.js';
import { answer, type CallAnswer } from './answers.js';

/** `aiw run --plan` as data: the steps in order, nothing runs. */
export async function planSkill(session: Session, name: string): Promise<CallAnswer> {
  const skill = await session.loadSkill(name);
  const describe = (items: Array<Step | ReturnItem>): Array<Record<string, unknown>> => items.map((item) => {
    if (isReturnItem(item)) return { return: item.return, line: item.line };
    return {
      name: item.name, type: item.type, line: item.line, description: item.description, condition: item.condition, tool: item.tool,
      tool_known: item.tool ? session.registry.has(item.tool) : undefined, skill: item.skill, on_error: item.on_error ?? 'fail',
      output: item.output, steps: item.then ? describe(item.then) : undefined,
    };
  });
  const steps = describe(skill.steps);
  const lines = [`plan for ${skill.name} (${skill.file})`, describeInputs(skill), '', 'steps:'];
  const print = (items: Array<Record<string, unknown>>, depth: number) => items.forEach((s, i) => {
    const what = s.type === 'tool' ? `tool ${String(s.tool)}${s.tool_known ? '' : ' (UNKNOWN TOOL)'}` : s.type === 'skill' ? `skill ${String(s.skill)}` : String(s.type ?? 'return');
    lines.push(`${'  '.repeat(depth + 1)}${i + 1}. ${String(s.name ?? 'return')}: ${what}${s.description ? ` - ${String(s.description)}` : ''}`);
    if (Array.isArray(s.steps)) print(s.steps as Array<Record<string, unknown>>, depth + 1);
  });
  print(steps, 0);
  return answer(lines.join('\n'), { skill: skill.name, file: skill.file, inputs: skill.inputs, steps });
}

/** The attempt log, newest first: what `aiw memory failures` shows. */
export async function memoryFailures(session: Session, args: Record<string, unknown>): Promise<CallAnswer> {
  const limit = args.limit === undefined ? 20 : Number(args.limit);
  if (!Number.isInteger(limit) || limit < 0) throw new AiwError('INPUT', `'limit' must be a whole number, got ${JSON.stringify(args.limit)}`);
  const file = learnedFile(session.project.memoryDir, 'tool_failures');
  const log = await readFailures(file);
  const tool = typeof args.tool_name === 'string' ? args.tool_name : undefined;
  const records = tool ? log.records.filter((r) => r.tool === tool) : log.records;
  const recent = (limit ? records.slice(-limit) : [...records]).reverse();
  const lines = [`Recent failures and heal attempts (${file}; ${recent.length} of ${records.length}, newest first):`];
  for (const r of recent) {
    lines.push(`  ${r.timestamp} ${r.tool}${r.skill ? ` [${r.skill}${r.step ? `/${r.step}` : ''}]` : ''} ${r.success ? 'ok' : 'failed'}${r.error_type ? ` (${r.error_type})` : ''}${r.fix_attempted ? ` fix: ${r.fix_attempted}` : ''}${r.error ? `: ${r.error.split('\n')[0]!.slice(0, 120)}` : ''}`);
  }
  const warnings = log.warnings.map(formatWarning);
  for (const w of warnings) lines.push(`warning: ${w}`);
  return answer(lines.join('\n'), { file, total: records.length, recent, warnings });
}

export async function memoryStats(session: Session): Promise<CallAnswer> {
  const log = await readFailures(learnedFile(session.project.memoryDir, 'tool_failures'));
  const stats = computeFailureStats(log.records);
  return answer(formatStatsText(stats), { stats, warnings: log.warnings.map(formatWarning) });
}
