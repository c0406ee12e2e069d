import { AiwError, type Problem } from '../errors/errors.js';
import { compileClassifier, type FailureClasses } from '../heal/classify.js';
import { compilePatterns } from '../pattern/match.js';
import { locate, type JsonPath, type YamlSource } from '../source/yaml-source.js';

/**
 * Patterns a run would refuse (an invalid regex, one that can backtrack catastrophically), found
 * by `aiw validate` instead of at the first failure of some later run: `auto_heal.classes` in the
 * config, `detect_failure` and `failed_when` in skill steps, `failed_when` in tools.
 */
export function configPatternProblems(source: YamlSource): Problem[] {
  const classes = ((source.value as Record<string, unknown> | null)?.auto_heal as Record<string, unknown> | undefined)?.classes;
  if (!classes || typeof classes !== 'object') return [];
  return Object.entries(classes as FailureClasses).flatMap(([name, spec]) =>
    attempt(source, ['auto_heal', 'classes', name], () => compileClassifier({ [name]: spec })));
}

export function skillPatternProblems(source: YamlSource): Problem[] {
  const walk = (steps: unknown, base: JsonPath): Problem[] => {
    if (!Array.isArray(steps)) return [];
    return steps.flatMap((step: Record<string, unknown>, i) => {
      if (!step || typeof step !== 'object') return [];
      const path = [...base, i];
      const found: Problem[] = [];
      if (step.detect_failure && typeof step.detect_failure === 'object') {
        found.push(...attempt(source, [...path, 'detect_failure'], () => compileClassifier(null, step.detect_failure as Record<string, string[]>)));
      }
      if (Array.isArray(step.failed_when)) found.push(...attempt(source, [...path, 'failed_when'], () => compilePatterns(step.failed_when as string[], 'failed_when')));
      return [...found, ...walk(step.then, [...path, 'then'])];
    });
  };
  return walk((source.value as Record<string, unknown> | null)?.steps, ['steps']);
}

export function toolPatternProblems(source: YamlSource, name: string, def: Record<string, unknown>): Problem[] {
  if (!Array.isArray(def.failed_when)) return [];
  return attempt(source, ['tools', name, 'failed_when'], () => compilePatterns(def.failed_when as string[], `tool '${name}' failed_when`));
}

function attempt(source: YamlSource, path: JsonPath, compile: () => unknown): Problem[] {
  try {
    compile();
    return [];
  } catch (err) {
    if (!(err instanceof AiwError)) throw err;
    const pos = locate(source, path);
    return [{ file: source.file, line: pos.line, col: pos.col, code: err.code, message: err.message }];
  }
}
