// Baseline for the Python compute figure: the cheapest way to run a block in Python from Node — one
// python3 process, already running, that execs each snippet it is sent as one JSON line and answers
// with its `result` as one JSON line. Prints the mean ms per round trip over the snippets (start-up
// of the process is not counted: it is started and greeted before the clock starts).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const [snippetsFile, python = 'python3'] = process.argv.slice(2);
const snippets = JSON.parse(readFileSync(snippetsFile, 'utf8'));
const WORKER = `
import json, sys
out = sys.stdout
out.write("ready\\n"); out.flush()
for line in sys.stdin:
    req = json.loads(line)
    ns = {"inputs": req["inputs"]}
    exec(req["code"], ns)
    out.write(json.dumps({"value": ns.get("result")}) + "\\n"); out.flush()
`;
const child = spawn(python, ['-u', '-c', WORKER], { stdio: ['pipe', 'pipe', 'inherit'] });
const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
if ((await lines.next()).value !== 'ready') throw new Error('the baseline worker did not start');
const t0 = process.hrtime.bigint();
let last;
for (const code of snippets) {
  child.stdin.write(`${JSON.stringify({ code, inputs: { n: 1 } })}\n`);
  last = JSON.parse((await lines.next()).value).value;
}
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
child.stdin.end();
process.stdout.write(`${JSON.stringify({ per_block_ms: ms / snippets.length, last })}\n`);
