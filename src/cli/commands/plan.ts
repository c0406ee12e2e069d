import { EXIT } from '../../errors/errors.js';
import { describeInputs } from '../../engine/inputs.js';
import { isReturnItem, type ReturnItem, type Skill, type Step } from '../../model/skill.js';
import type { Io } from '../io.js';
import type { Session } from '../../session/session.js';

/** `aiw run --plan`: what would run, in order, with conditions and error modes; nothing is executed. */
export function describePlan(skill: Skill, session: Session, json: boolean, io: Io): number {
  const describe = (items: Array<Step | ReturnItem>): unknown[] =>
    items.map((item) => {
      if (isReturnItem(item)) return { return: item.return, line: item.line };
      const s = item;
      return {
        name: s.name, type: s.type, line: s.line, description: s.description, condition: s.condition, tool: s.tool,
        tool_known: s.tool ? session.registry.has(s.tool) : undefined, skill: s.skill, on_error: s.on_error ?? 'fail',
        output: s.output, steps: s.then ? describe(s.then) : undefined,
      };
    });
  if (json) {
    io.stdout.write(`${JSON.stringify({ skill: skill.name, file: skill.file, inputs: skill.inputs, steps: describe(skill.steps) })}\n`);
    return EXIT.ok;
  }
  io.stdout.write(`plan for ${skill.name} (${skill.file})\n${describeInputs(skill)}\n\nsteps:\n`);
  const print = (items: Array<Step | ReturnItem>, depth: number) => {
    let n = 0;
    for (const item of items) {
      const pad = '  '.repeat(depth + 1);
      n++;
      if (isReturnItem(item)) {
        io.stdout.write(`${pad}${n}. return ${JSON.stringify(item.return)}\n`);
        continue;
      }
      const what = item.type === 'tool' ? `tool ${item.tool}${session.registry.has(item.tool!) ? '' : ' (UNKNOWN TOOL)'}` : item.type === 'skill' ? `skill ${item.skill}` : item.type;
      const extra = [item.condition !== undefined ? `if ${String(item.condition)}` : '', item.on_error && item.on_error !== 'fail' ? `on_error ${item.on_error}` : ''].filter(Boolean).join(', ');
      io.stdout.write(`${pad}${n}. ${item.name}: ${what}${extra ? ` (${extra})` : ''}${item.description ? ` - ${item.description}` : ''}\n`);
      if (item.then) print(item.then, depth + 1);
    }
  };
  print(skill.steps, 0);
  return EXIT.ok;
}
