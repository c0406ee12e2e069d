import type { Skill } from './skill.js';

export type DialectName = 'javascript' | 'python';

/**
 * The dialect a skill says, else the project's `skills.dialect` (aiw.config.yaml), else JavaScript.
 * `python` means Python compute blocks and Jinja2 templates and conditions, as in the project aiw
 * grew from; `aiw import` sets it.
 */
export function skillDialect(skill: Pick<Skill, 'dialect'>, config: Record<string, unknown>): DialectName {
  const project = (config.skills as { dialect?: unknown } | undefined)?.dialect;
  return skill.dialect ?? (project === 'python' ? 'python' : 'javascript');
}

/**
 * Names a `dialect: python` template may use although no step defines them: Jinja2's own globals,
 * and the Python builtins aiw adds (the original's conditions called them; see docs/python-compute.md).
 */
export const JINJA_GLOBALS = ['range', 'dict', 'lipsum', 'cycler', 'joiner', 'namespace', 'True', 'False', 'None', 'true', 'false', 'none', 'loop'];
export const PYTHON_EXTRA_GLOBALS = ['len', 'str', 'int', 'float', 'bool', 'list', 'tuple', 'set', 'any', 'all', 'sorted', 'min', 'max', 'sum', 'abs', 'round', 'enumerate', 'zip', 'reversed'];
