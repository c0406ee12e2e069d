import { templating } from './nunjucks-env.js';

interface AstNode {
  typename: string;
  fields: string[];
  value?: unknown;
  children?: AstNode[];
  lineno: number;
  colno: number;
  [field: string]: unknown;
}

export interface FreeName {
  name: string;
  /** 0-based position inside the template source. */
  line: number;
  col: number;
}

/** Names nunjucks itself provides; a template may use them without any input or step defining them. */
const BUILTIN_NAMES = new Set(['loop', 'range', 'cycler', 'joiner', 'caller', 'true', 'false', 'none', 'True', 'False', 'None']);

/**
 * The top-level names a template reads, ignoring names the template binds itself ({% for %},
 * {% set %}, macro arguments). Used to report references no input or earlier step defines.
 * Throws the nunjucks parse error when the template does not parse.
 */
export function freeNames(source: string): FreeName[] {
  const { nunjucks } = templating();
  const parser = (nunjucks as unknown as { parser: { parse(src: string): AstNode } }).parser;
  const root = parser.parse(source);
  const bound = new Set<string>();
  const used: FreeName[] = [];
  walk(root, bound, used);
  const seen = new Set<string>();
  return used.filter((u) => {
    if (bound.has(u.name) || BUILTIN_NAMES.has(u.name) || u.name.startsWith('__aiw')) return false;
    if (seen.has(u.name)) return false;
    seen.add(u.name);
    return true;
  });
}

function walk(node: unknown, bound: Set<string>, used: FreeName[], filters: FreeName[] = []): void {
  if (!node || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const n of node) walk(n, bound, used, filters);
    return;
  }
  const n = node as AstNode;
  switch (n.typename) {
    case 'Symbol':
      used.push({ name: String(n.value), line: n.lineno, col: n.colno });
      return;
    case 'For':
    case 'AsyncEach':
    case 'AsyncAll':
      bindTargets(n.name, bound);
      break;
    case 'Set':
      for (const t of (n.targets as AstNode[]) ?? []) bindTargets(t, bound);
      break;
    case 'Macro':
    case 'Caller':
      bindTargets(n.name, bound);
      for (const a of ((n.args as AstNode)?.children ?? [])) bindTargets(a, bound);
      walk(n.body, bound, used, filters);
      return;
    case 'Filter':
    case 'FilterAsync': {
      // The filter's own name is not a variable; only its arguments are read.
      const name = n.name as AstNode | undefined;
      if (name?.typename === 'Symbol') filters.push({ name: String(name.value), line: name.lineno, col: name.colno });
      walk(n.args, bound, used, filters);
      return;
    }
    case 'Is':
      walk(n.left, bound, used, filters);
      return;
    case 'LookupVal':
      walk(n.target, bound, used, filters);
      // `a[b]` reads b; `a.b` has a Literal here and reads nothing.
      walk(n.val, bound, used, filters);
      return;
    case 'KeywordArgs':
    case 'Dict':
      for (const pair of n.children ?? []) walk((pair as AstNode).value, bound, used, filters);
      return;
    default:
      break;
  }
  if (n.children) walk(n.children, bound, used, filters);
  for (const field of n.fields ?? []) {
    if (n.typename === 'FunCall' && field === 'name' && (n.name as AstNode)?.typename === 'Symbol') {
      walk(n.name, bound, used, filters);
      continue;
    }
    walk(n[field], bound, used, filters);
  }
}

function bindTargets(target: unknown, bound: Set<string>): void {
  const t = target as AstNode | undefined;
  if (!t) return;
  if (t.typename === 'Symbol') bound.add(String(t.value));
  else if (t.typename === 'KeywordArgs') for (const pair of t.children ?? []) bindTargets((pair as AstNode).key, bound);
  else if (t.children) for (const c of t.children) bindTargets(c, bound);
}

/** The filters a template applies (`x | lenght` names `lenght`), for the check that each one exists. */
export function usedFilters(source: string): FreeName[] {
  const { nunjucks } = templating();
  const parser = (nunjucks as unknown as { parser: { parse(src: string): AstNode } }).parser;
  const filters: FreeName[] = [];
  walk(parser.parse(source), new Set(), [], filters);
  const seen = new Set<string>();
  return filters.filter((f) => !seen.has(f.name) && seen.add(f.name));
}

/** Every filter name the templates know (nunjucks' own and aiw's). */
export function knownFilters(): string[] {
  return Object.keys((templating().strict as unknown as { filters: Record<string, unknown> }).filters);
}
