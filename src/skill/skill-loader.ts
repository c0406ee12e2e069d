import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { closestNames } from '../errors/did-you-mean.js';
import { AiwError } from '../errors/errors.js';
import type { Skill } from '../model/skill.js';
import type { Project } from '../project/project.js';
import { loadSkillFile } from './load-skill.js';

/** Skills by name from `<root>/skills`, loaded once per process. */
export function skillLoader(project: Project, cwd: string): (name: string) => Promise<Skill> {
  const cache = new Map<string, Promise<Skill>>();
  return (name) => {
    let p = cache.get(name);
    if (!p) {
      p = loadSkillByName(project, name, cwd);
      cache.set(name, p);
    }
    return p;
  };
}

async function loadSkillByName(project: Project, name: string, cwd: string): Promise<Skill> {
  if (name.includes('/') || name.endsWith('.yaml') || name.endsWith('.yml')) {
    const file = resolve(cwd, name);
    if (existsSync(file)) return loadSkillFile(file);
  }
  for (const ext of ['.yaml', '.yml']) {
    const file = join(project.skillsDir, `${name}${ext}`);
    if (existsSync(file)) return loadSkillFile(file);
  }
  const { readdir } = await import('node:fs/promises');
  const known = existsSync(project.skillsDir) ? (await readdir(project.skillsDir)).filter((f) => /\.ya?ml$/.test(f)).map((f) => f.replace(/\.ya?ml$/, '')) : [];
  const near = closestNames(name, known);
  throw new AiwError('UNKNOWN_SKILL', `unknown skill '${name}' (looked in ${project.skillsDir})`, {
    hint: near.length ? `did you mean ${near.map((n) => `'${n}'`).join(', ')}?` : 'run `aiw skills` to list the skills',
  });
}
