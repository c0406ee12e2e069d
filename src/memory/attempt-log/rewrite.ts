import { isMap, isPair, isScalar, isSeq, parseDocument, Scalar, YAMLMap, YAMLSeq, type Document, type Pair } from 'yaml';
import { writeFileAtomic } from '../../files/atomic-write.js';
import { orderedRecord, type FailureRecord } from './record.js';
import { yamlMessage } from './scan.js';

/**
 * The slow path, for a log whose shape the one-line append cannot trust (`failures: []`, another
 * key after the list, no `failures` at all): parse it with the Document API, which keeps comments
 * and the other keys, add the entries, and replace the file atomically. The list is moved last and
 * made a block sequence so that the next append is a fast one again.
 *
 * Returns why the file cannot be used (it is not valid YAML, or not shaped like a log), in which
 * case it has not been touched; null once the entries are written.
 */
export async function rewriteLog(path: string, text: string, records: readonly FailureRecord[]): Promise<string | null> {
  const doc = parseDocument(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  const syntax = doc.errors[0];
  if (syntax) {
    const pos = syntax.linePos?.[0];
    const where = pos ? `${pos.line}:${pos.col}: ` : '';
    return `it is not valid YAML (${where}${yamlMessage(syntax)})`;
  }
  const seq = failuresList(doc);
  if (typeof seq === 'string') return seq;
  for (const record of records) {
    const node = doc.createNode(orderedRecord(record));
    node.flow = true;
    seq.items.push(node);
  }
  // An explicit `...` end marker after the list would send every later append down this path.
  if (doc.directives) doc.directives.docEnd = false;
  for (const item of seq.items) {
    if (isMap(item) && item.flow) quoteLikeJson(item);
  }
  // lineWidth 0: a long entry must stay on one line, or readers lose the per-line fast path.
  await writeFileAtomic(path, doc.toString({ lineWidth: 0 }));
  return null;
}

/** The `failures` list, made the last key and block style, or why the document has none. */
function failuresList(doc: Document): YAMLSeq | string {
  let root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) {
    root = new YAMLMap();
    doc.contents = root;
  }
  if (!isMap(root)) return 'its top level is not a mapping with a "failures" list';
  root.flow = false;
  const index = root.items.findIndex((pair) => isScalar(pair.key) && pair.key.value === 'failures');
  let pair: Pair;
  if (index < 0) {
    pair = doc.createPair('failures', new YAMLSeq());
  } else {
    pair = root.items[index] as Pair;
    root.items.splice(index, 1);
  }
  const value = pair.value;
  if (value === null || (isScalar(value) && value.value === null)) {
    const seq = new YAMLSeq();
    if (isScalar(value) && value.comment) seq.commentBefore = value.comment;
    pair.value = seq;
  } else if (!isSeq(value)) {
    return '"failures" is not a list';
  } else if (value.flow && value.comment) {
    // `failures: [] # note`: once the list is a block, a trailing comment would land mid-list.
    value.commentBefore = value.comment;
    value.comment = undefined;
  }
  if (isScalar(pair.key)) pair.key.type = Scalar.PLAIN;
  root.items.push(pair);
  const seq = pair.value as YAMLSeq;
  seq.flow = false;
  return seq;
}

/** Double-quote keys and strings of a flow entry so it renders as JSON and reads back fast. */
function quoteLikeJson(map: YAMLMap): void {
  for (const pair of map.items) {
    if (!isPair(pair)) continue;
    if (isScalar(pair.key)) pair.key.type = Scalar.QUOTE_DOUBLE;
    if (isScalar(pair.value) && typeof pair.value.value === 'string') pair.value.type = Scalar.QUOTE_DOUBLE;
  }
}
