import { closestNames } from '../errors/did-you-mean.js';
import type { Problem } from '../errors/errors.js';
import { mergeFailureClasses, type FailureClasses } from '../heal/classify.js';
import { DEFAULT_PROFILES } from '../heal/profiles.js';
import { isReturnItem, type ReturnItem, type Skill, type Step } from '../model/skill.js';
import { locate, type JsonPath, type YamlSource } from '../source/yaml-source.js';

/** The heal names a project knows: profiles (built-in and configured) and failure classes. */
export interface HealNames {
  profiles: string[];
  classes: string[];
}

export function healNames(config: Record<string, unknown>): HealNames {
  const heal = (config.auto_heal ?? {}) as { profiles?: Record<string, unknown>; classes?: FailureClasses };
  let classes: string[];
  try {
    classes = Object.keys(mergeFailureClasses(heal.classes));
  } catch {
    // A malformed auto_heal.classes is reported by the config check; judge names by the built-ins.
    classes = Object.keys(mergeFailureClasses(null));
  }
  return { profiles: [...new Set([...Object.keys(DEFAULT_PROFILES), ...Object.keys(heal.profiles ?? {})])], classes };
}

function unknown(what: string, name: string, known: string[]): string {
  const near = closestNames(name, known);
  return `unknown ${what} '${name}'${near.length ? ` (did you mean ${near.map((n) => `'${n}'`).join(', ')}?)` : ''}; known: ${known.join(', ')}`;
}

/**
 * Heal names in a skill that would silently turn healing off: a step's `auto_heal: <profile>`, the
 * classes in `retry.on` and the keys of `quick_fix` (a step's `detect_failure` classes count too).
 */
export function checkSkillHeals(skill: Skill, source: YamlSource, names: HealNames): Problem[] {
  const problems: Problem[] = [];
  const report = (path: JsonPath, message: string, key = false) => {
    const pos = locate(source, path, { key });
    problems.push({ file: source.file, line: pos.line, col: pos.col, code: 'VALIDATION', message });
  };
  const walk = (items: Array<Step | ReturnItem>, base: JsonPath) => {
    items.forEach((step, i) => {
      if (isReturnItem(step)) return;
      const path = [...base, i];
      const what = `step '${step.name}'`;
      if (typeof step.auto_heal === 'string' && !names.profiles.includes(step.auto_heal)) {
        report([...path, 'auto_heal'], `${what}: ${unknown('heal profile', step.auto_heal, names.profiles)}`);
      }
      const classes = [...names.classes, ...Object.keys(step.detect_failure ?? {})];
      (step.retry?.on ?? []).forEach((cls, j) => {
        if (!classes.includes(cls)) report([...path, 'retry', 'on', j], `${what} retry.on: ${unknown('failure class', cls, classes)}`);
      });
      for (const cls of Object.keys(step.quick_fix ?? {})) {
        if (!classes.includes(cls)) report([...path, 'quick_fix', cls], `${what} quick_fix: ${unknown('failure class', cls, classes)}`, true);
      }
      if (step.then) walk(step.then, [...path, 'then']);
    });
  };
  walk(skill.steps, ['steps']);
  return problems;
}

/** A tool's `auto_heal` must name a profile: a misspelt one would turn its healing off. */
export function checkToolHeal(source: YamlSource, tool: string, profile: unknown, names: HealNames): Problem[] {
  if (typeof profile !== 'string' || names.profiles.includes(profile)) return [];
  const pos = locate(source, ['tools', tool, 'auto_heal']);
  return [{ file: source.file, line: pos.line, col: pos.col, code: 'VALIDATION', message: `tool '${tool}': ${unknown('heal profile', profile, names.profiles)}` }];
}

/** In the config: classes named by profiles and by `auto_heal.retry.on`. */
export function checkConfigHeals(source: YamlSource, config: Record<string, unknown>, names: HealNames): Problem[] {
  const problems: Problem[] = [];
  const heal = (config.auto_heal ?? {}) as { profiles?: Record<string, Record<string, unknown>>; retry?: { on?: unknown } };
  const report = (path: JsonPath, message: string, key = false) => {
    const pos = locate(source, path, { key });
    problems.push({ file: source.file, line: pos.line, col: pos.col, code: 'VALIDATION', message });
  };
  for (const [profile, classes] of Object.entries(heal.profiles ?? {})) {
    for (const cls of Object.keys(classes ?? {})) {
      if (!names.classes.includes(cls)) report(['auto_heal', 'profiles', profile, cls], `heal profile '${profile}': ${unknown('failure class', cls, names.classes)}`, true);
    }
  }
  const on = Array.isArray(heal.retry?.on) ? (heal.retry.on as unknown[]) : [];
  on.forEach((cls, i) => {
    if (typeof cls === 'string' && !names.classes.includes(cls)) report(['auto_heal', 'retry', 'on', i], `auto_heal.retry.on: ${unknown('failure class', cls, names.classes)}`);
  });
  return problems;
}
