// Baseline for the per-compute-step figure: compile and run the same snippets the compute skill
// holds, with node:vm, in one context, each as the body of a function (they `return` a value).
import { readFileSync } from 'node:fs';
import vm from 'node:vm';

const snippets = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const context = vm.createContext({ inputs: { n: 1 } });
const results = [];
for (const code of snippets) {
  const script = new vm.Script(`(function () { ${code}\n})()`);
  results.push(script.runInContext(context));
}
if (results.length !== snippets.length) throw new Error('not every snippet ran');
