import { spawn } from 'node:child_process';
import type { Problem } from '../errors/errors.js';

/** A Python compute block of a `dialect: python` skill, with where its code starts in the file. */
export interface PythonBlock {
  file: string;
  /** 1-based line of the block's first code line, and the file's text to find its indentation. */
  line: number;
  text: string;
  code: string;
  what: string;
}

// Parses every block (never runs one). `{{ }}` slots become a name first; a block with `{% %}` tags
// is only known after rendering, and one that does not parse either way is reported.
const CHECKER = `
import ast, json, re, sys
slot = re.compile(r"\\{\\{(.*?)\\}\\}", re.S)
out = []
for i, b in enumerate(json.load(sys.stdin)):
    code = b["code"]
    if "{%" in code or "{#" in code:
        continue
    pad = "\\n" * (b["line"] - 1)
    errors = []
    for text in (slot.sub("__aiw_slot__", code), code):
        try:
            ast.parse(pad + text, filename=b["file"])
            errors = []
            break
        except SyntaxError as e:
            errors.append({"i": i, "line": e.lineno or b["line"], "offset": e.offset or 1, "message": e.msg})
    out.extend(errors[:1])
print(json.dumps(out))
`;

/**
 * Python syntax errors of every block, in one `python3` process for the whole project, each at the
 * file:line:col of the YAML file. Without Python the blocks are not checked: one warning says so.
 */
export async function checkPythonBlocks(blocks: PythonBlock[], python: string): Promise<Problem[]> {
  if (!blocks.length) return [];
  const input = JSON.stringify(blocks.map((b) => ({ file: b.file, line: b.line, code: b.code })));
  let text: string;
  try {
    text = await runChecker(python, input);
  } catch (err) {
    const first = blocks[0]!;
    return [{
      file: first.file, line: first.line, col: 1, code: 'VALIDATION', severity: 'warning',
      message: `Python compute blocks were not checked: cannot run '${python}' (${(err as Error).message}); install Python 3 or set AIW_PYTHON`,
    }];
  }
  const found = JSON.parse(text) as Array<{ i: number; line: number; offset: number; message: string }>;
  return found.map((f) => {
    const block = blocks[f.i]!;
    return { file: block.file, line: f.line, col: indentOf(block.text, f.line) + f.offset, code: 'VALIDATION', message: `${block.what}: Python syntax error: ${f.message}` };
  });
}

function indentOf(text: string, line: number): number {
  const l = text.split('\n', line)[line - 1] ?? '';
  return l.length - l.trimStart().length;
}

function runChecker(python: string, input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, ['-c', CHECKER], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err = (err + c).slice(-2000)));
    child.on('error', reject);
    child.stdin.on('error', () => { /* the exit or error event reports it */ });
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit code ${code}: ${err.trim().split('\n').pop() ?? ''}`))));
    child.stdin.end(input);
  });
}
