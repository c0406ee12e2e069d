import { AiwError, ValidationError, type Problem } from '../errors/errors.js';
import { isReturnItem, type ReturnItem, type Skill, type Step } from '../model/skill.js';
import { skillSource } from '../skill/load-skill.js';
import { cacheStore } from '../files/cache-store.js';
import { readYamlSource } from '../source/parse-cache.js';
import type { ToolRegistry } from '../tools/registry.js';
import { checkSkillReferences } from './check-references.js';
import { skillPatternProblems } from './check-patterns.js';
import { checkSkillHeals, healNames } from './check-heal.js';
import { skillDialect } from '../model/dialect.js';

/**
 * The static checks `aiw validate` makes, for a skill about to run and every skill it calls: an
 * unknown tool or param, a name no input or earlier step defines, an unknown filter, compute code that
 * does not compile. Found before the first step runs, so a typo in step 5 never lets steps 1–4 make
 * their side effects first.
 */
export async function checkBeforeRun(skill: Skill, registry: ToolRegistry, loadSkill: (name: string) => Promise<Skill>, config: Record<string, unknown>): Promise<Problem[]> {
  const heals = healNames(config);
  const problems: Problem[] = [];
  const seen = new Set<string>();
  // An MCP server that could not list its tools resolves its names at run time: known, params unchecked.
  const resolves = (n: string) => registry.has(n) || registry.mcp?.unlisted(n) !== undefined;
  const tools = { has: resolves, params: (n: string) => (registry.has(n) ? registry.get(n).params : undefined), names: () => registry.names() };
  const visit = async (s: Skill): Promise<void> => {
    if (seen.has(s.file)) return;
    seen.add(s.file);
    const children = new Map<string, Skill>();
    for (const name of calledSkills(s.steps)) {
      try {
        children.set(name, await loadSkill(name));
      } catch (err) {
        // A child that does not load: its own problems, or (unknown name) the check below reports it at the step.
        if (err instanceof ValidationError) problems.push(...err.problems);
        else if (!(err instanceof AiwError && err.code === 'UNKNOWN_SKILL')) throw err;
      }
    }
    const source = skillSource(s) ?? (await readYamlSource(s.file, cacheStore('parse'))).source;
    problems.push(
      ...checkSkillReferences(s, source, tools, (n) => children.has(n), skillDialect(s, config), cacheStore('parse')),
      ...checkSkillHeals(s, source, heals),
      ...skillPatternProblems(source),
    );
    for (const child of children.values()) await visit(child);
  };
  await visit(skill);
  // Warnings (the Python dialect's undefined names in conditions) are for `validate`; they never stop a run.
  return problems.filter((p) => p.severity !== 'warning');
}

function calledSkills(items: Array<Step | ReturnItem>, out = new Set<string>()): Set<string> {
  for (const item of items) {
    if (isReturnItem(item)) continue;
    if (item.type === 'skill' && item.skill) out.add(item.skill);
    if (item.then) calledSkills(item.then, out);
  }
  return out;
}
