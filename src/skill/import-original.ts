import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, Scalar, YAMLMap, YAMLSeq, type Document, type Node, type Pair } from 'yaml';

/** One change `aiw import` made to a skill, at the line of the original file it is about. */
export interface ImportChange {
  line: number;
  kind: 'inputs' | 'outputs' | 'dead-output' | 'extension' | 'duplicate' | 'dialect' | 'name' | 'type';
  message: string;
}

export interface ImportedSkill {
  text: string;
  changes: ImportChange[];
  /** A YAML syntax error: the file is copied as it is and `aiw validate` will point at it. */
  syntaxError?: { line: number; col: number; message: string };
}

const TOP_KEYS = new Set(['name', 'description', 'version', 'dialect', 'inputs', 'defaults', 'compute_timeout', 'steps', 'outputs', 'tags', 'personas', 'links']);
const STEP_KEYS = new Set(['name', 'description', 'condition', 'tool', 'args', 'compute', 'skill', 'inputs', 'then', 'output', 'on_error', 'detect_failure', 'failed_when', 'quick_fix', 'retry', 'timeout', 'auto_heal']);
const INPUT_KEYS = new Set(['name', 'type', 'required', 'default', 'enum', 'description']);
const OUTPUT_KEYS = new Set(['name', 'value', 'compute', 'description']);
// The Python project sometimes wrote Python's type names for inputs.
const PY_TYPES: Record<string, string> = { str: 'string', int: 'integer', float: 'number', bool: 'boolean', list: 'array', dict: 'object', integer: 'integer', string: 'string', number: 'number', boolean: 'boolean', array: 'array', object: 'object' };
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Turn one skill file of the Python project into an aiw skill, editing the YAML document in place so
 * comments and layout survive: inputs/outputs written as maps become lists, entries under `outputs:`
 * that call a tool (never run by the original) are removed, unknown keys are kept as `x-<key>`
 * extensions, duplicate and invalid step names are made unique and valid, and `dialect: python` is
 * set. Idempotent: an imported file comes back unchanged, with no changes listed.
 */
export function importSkillText(text: string): ImportedSkill {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, keepSourceTokens: false });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    const pos = lineCounter.linePos(e.pos[0]);
    return { text, changes: [], syntaxError: { line: pos.line, col: pos.col, message: e.message.split('\n')[0]! } };
  }
  const changes: ImportChange[] = [];
  const lineOf = (node: unknown): number => lineCounter.linePos((node as Node | undefined)?.range?.[0] ?? 0).line;
  const note = (node: unknown, kind: ImportChange['kind'], message: string) => changes.push({ line: lineOf(node), kind, message });
  const root = doc.contents;
  if (!isMap(root)) return { text, changes };

  convertInputs(doc, root, note);
  convertOutputs(doc, root, note);
  extendUnknownKeys(root, TOP_KEYS, 'top level', note);
  const steps = root.get('steps', true);
  if (isSeq(steps)) fixSteps(doc, steps, new Set(), note, 'steps');
  if (!root.has('dialect')) {
    const at = Math.max(...['version', 'description', 'name'].map((k) => root.items.findIndex((p) => keyOf(p) === k)), -1) + 1;
    (root.items as unknown[]).splice(at, 0, doc.createPair('dialect', 'python'));
    changes.push({ line: at > 0 ? lineOf(root.items[at - 1]!.key) : 1, kind: 'dialect', message: 'set dialect: python (compute is Python, templates are Jinja2)' });
  }
  if (!changes.length) return { text, changes };
  changes.sort((a, b) => a.line - b.line);
  return { text: keepLineSpacing(text, doc.toString({ lineWidth: 0, flowCollectionPadding: false })), changes };
}

/**
 * The YAML printer puts one space before a trailing comment; the original aligned its comments in
 * columns. A printed line that differs from an original line only in that spacing gets the original
 * back. Safe by construction: the result is used only when it reads as exactly the same data.
 */
function keepLineSpacing(original: string, printed: string): string {
  const squeeze = (line: string) => line.replace(/\s+#/g, ' #');
  const byShape = new Map<string, string | null>();
  for (const line of original.split('\n')) {
    const key = squeeze(line);
    if (key === line && !byShape.has(key)) continue;
    byShape.set(key, byShape.has(key) && byShape.get(key) !== line ? null : line);
  }
  const restored = printed.split('\n').map((line) => byShape.get(squeeze(line)) ?? line).join('\n');
  if (restored === printed) return printed;
  const same = JSON.stringify(parseDocument(restored).toJS()) === JSON.stringify(parseDocument(printed).toJS());
  return same ? restored : printed;
}

type Note = (node: unknown, kind: ImportChange['kind'], message: string) => void;

function keyOf(pair: Pair<unknown, unknown>): string {
  return isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
}

function convertInputs(doc: Document, root: YAMLMap, note: Note): void {
  const inputs = root.get('inputs', true);
  if (isMap(inputs)) {
    const list = new YAMLSeq();
    for (const pair of inputs.items) {
      const item = new YAMLMap();
      item.add(doc.createPair('name', keyOf(pair)));
      if (isMap(pair.value)) for (const p of pair.value.items) item.add(p);
      else if (isScalar(pair.value) && pair.value.value !== null) {
        const v = pair.value.value;
        item.add(doc.createPair(typeof v === 'string' && PY_TYPES[v] ? 'type' : 'default', pair.value));
      }
      if (isScalar(pair.key) && pair.key.commentBefore) item.commentBefore = pair.key.commentBefore;
      list.items.push(item);
    }
    root.set('inputs', list);
    note(inputs, 'inputs', `inputs: a map of ${inputs.items.length} became a list of {name, ...}`);
  }
  const list = root.get('inputs', true);
  if (!isSeq(list)) return;
  for (const item of list.items) {
    if (!isMap(item)) continue;
    const type = item.get('type', true);
    if (isScalar(type) && typeof type.value === 'string' && PY_TYPES[type.value] && PY_TYPES[type.value] !== type.value) {
      note(type, 'type', `input '${String(item.get('name'))}': type ${type.value} became ${PY_TYPES[type.value]}`);
      type.value = PY_TYPES[type.value];
    }
    extendUnknownKeys(item, INPUT_KEYS, `input '${String(item.get('name'))}'`, note);
  }
}

function convertOutputs(doc: Document, root: YAMLMap, note: Note): void {
  const outputs = root.get('outputs', true);
  if (isMap(outputs)) {
    const list = new YAMLSeq();
    for (const pair of outputs.items) {
      const item = new YAMLMap();
      item.add(doc.createPair('name', keyOf(pair)));
      const v = pair.value;
      if (isMap(v) && v.items.length && v.items.every((p) => OUTPUT_KEYS.has(keyOf(p)) || keyOf(p) === 'tool')) for (const p of v.items) item.add(p);
      else item.add(doc.createPair('value', v));
      list.items.push(item);
    }
    root.set('outputs', list);
    note(outputs, 'outputs', `outputs: a map of ${outputs.items.length} became a list of {name, value}`);
  }
  const list = root.get('outputs', true);
  if (!isSeq(list)) return;
  list.items = list.items.filter((item) => {
    if (!isMap(item) || !item.has('tool')) return true;
    note(item, 'dead-output', `removed '${String(item.get('name') ?? item.get('tool'))}' under outputs: it calls tool '${String(item.get('tool'))}', which the original never ran there (dead code)`);
    return false;
  });
  for (const item of list.items) if (isMap(item)) extendUnknownKeys(item, OUTPUT_KEYS, `output '${String(item.get('name'))}'`, note);
  if (!list.items.length) {
    root.delete('outputs');
  }
}

function fixSteps(doc: Document, steps: YAMLSeq, seen: Set<string>, note: Note, where: string): void {
  steps.items.forEach((item, i) => {
    if (!isMap(item)) return;
    if (item.has('return') && !item.has('name')) return;
    const nameNode = item.get('name', true);
    let name = isScalar(nameNode) ? String(nameNode.value ?? '') : '';
    const original = name;
    if (!name) {
      name = `step_${i + 1}`;
      item.items.unshift(doc.createPair('name', name) as Pair<unknown, unknown>);
      note(item, 'name', `${where}[${i}] had no name: named '${name}'`);
    } else if (!NAME.test(name)) {
      name = name.replace(/[^A-Za-z0-9_]/g, '_').replace(/^(?=\d)/, '_');
      note(nameNode, 'name', `step '${original}' renamed '${name}' (names are letters, digits and _)`);
    }
    if (seen.has(name)) {
      let n = 2;
      while (seen.has(`${name}_${n}`)) n++;
      const unique = `${name}_${n}`;
      // Later templates that say `{{ name }}` meant the latest result: keep storing it there.
      const keepsOutput = !item.has('output') && ['tool', 'compute', 'skill', 'then'].some((k) => item.has(k));
      if (keepsOutput) item.set('output', name);
      note(nameNode ?? item, 'duplicate', `duplicate step name '${name}' renamed '${unique}'${keepsOutput ? ` (its result is still stored as '${name}')` : ''}`);
      name = unique;
    }
    seen.add(name);
    if (name !== original) {
      if (isScalar(nameNode)) nameNode.value = name;
      else item.set('name', name);
    }
    extendUnknownKeys(item, STEP_KEYS, `step '${name}'`, note);
    const then = item.get('then', true);
    if (isSeq(then)) fixSteps(doc, then, seen, note, `step '${name}' then`);
  });
}

/** Rename keys aiw does not know to `x-<key>`: kept in the file, allowed by the schema, never read. */
function extendUnknownKeys(map: YAMLMap, known: Set<string>, where: string, note: Note): void {
  for (const pair of map.items) {
    if (!isPair(pair)) continue;
    const key = keyOf(pair);
    if (known.has(key) || key.startsWith('x-')) continue;
    if (isScalar(pair.key)) {
      note(pair.key, 'extension', `${where}: unknown key '${key}' kept as 'x-${key}'`);
      (pair.key as Scalar).value = `x-${key}`;
    }
  }
}
