/**
 * Field and label selectors as kubectl sends them in `fieldSelector=` / `labelSelector=`.
 * A selector the fake cannot parse is an error the test should see, so parsing throws
 * and the router answers 400 like a real API server.
 */

type Predicate = (obj: Record<string, unknown>) => boolean;

export class SelectorError extends Error {
  override readonly name = 'SelectorError';
}

function valueAt(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** Splits on commas that are neither escaped (`\,`) nor inside parentheses (`in (a,b)`). */
function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (let i = 0; i < selector.length; i++) {
    const ch = selector[i];
    if (ch === '\\' && i + 1 < selector.length) {
      current += ch + selector[i + 1];
      i++;
      continue;
    }
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(current);
      current = '';
      continue;
    }
    current += ch;
  }
  terms.push(current);
  return terms.map((t) => t.trim()).filter((t) => t !== '');
}

function unescape(value: string): string {
  return value.replace(/\\(.)/g, '$1');
}

/** `type=Warning,involvedObject.name=web-1` — equality on dotted paths, as the API server supports. */
export function parseFieldSelector(selector: string | null): Predicate {
  if (selector === null || selector.trim() === '') return () => true;
  const checks = splitTerms(selector).map((term): Predicate => {
    const m = /^([A-Za-z0-9_.-]+)\s*(!=|==|=)\s*(.*)$/.exec(term);
    if (m === null) throw new SelectorError(`invalid field selector term "${term}"`);
    const [, path = '', op, raw = ''] = m;
    const want = unescape(raw);
    return (obj) => {
      const got = valueAt(obj, path);
      const equal = String(got ?? '') === want;
      return op === '!=' ? !equal : equal;
    };
  });
  return (obj) => checks.every((check) => check(obj));
}

/** Equality (`a=b`, `a==b`, `a!=b`), set (`a in (x,y)`, `a notin (x)`) and existence (`a`, `!a`). */
export function parseLabelSelector(selector: string | null): Predicate {
  if (selector === null || selector.trim() === '') return () => true;
  const checks = splitTerms(selector).map((term): (labels: Record<string, string>) => boolean => {
    let m = /^([\w./-]+)\s*(!=|==|=)\s*([\w.-]*)$/.exec(term);
    if (m !== null) {
      const [, key = '', op, want = ''] = m;
      return (labels) => (op === '!=' ? labels[key] !== want : labels[key] === want);
    }
    m = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
    if (m !== null) {
      const [, key = '', op, list = ''] = m;
      const values = list.split(',').map((v) => v.trim());
      return (labels) => {
        const v = labels[key];
        const inSet = v !== undefined && values.includes(v);
        return op === 'in' ? inSet : !inSet;
      };
    }
    m = /^(!?)([\w./-]+)$/.exec(term);
    if (m !== null) {
      const [, not, key = ''] = m;
      return (labels) => (key in labels) !== (not === '!');
    }
    throw new SelectorError(`invalid label selector term "${term}"`);
  });
  return (obj) => {
    const labels = (valueAt(obj, 'metadata.labels') ?? {}) as Record<string, string>;
    return checks.every((check) => check(labels));
  };
}
