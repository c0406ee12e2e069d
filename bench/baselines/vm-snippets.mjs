// Baseline for the per-compute-step figure: compile and run the same snippets the compute skill
// holds, with node:vm, in one context, each as the body of a function (they `return` a value),
// under the same time limit aiw gives a compute step by default (5 s: vm's `timeout` option).
import { readFileSync } from 'node:fs';
import vm from 'node:vm';

const snippets = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const context = vm.createContext({ inputs: { n: 1 } });
const results = [];
for (const code of snippets) {
  const script = new vm.Script(`(function () { ${code}\n})()`);
  results.push(script.runInContext(context, { timeout: 5000 }));
}
if (results.length !== snippets.length) throw new Error('not every snippet ran');
