// The `mcpcall` figure: one MCP tool call through aiw next to the same call made with the SDK's
// Client, in one process, after start-up. Each side has its own server process (the same
// command); rounds alternate the sides and reverse their order every other round.
// Usage: node mcp-inprocess.mjs <repo> <project root> <calls per sample> <rounds> <warm-up rounds>
// Prints one JSON line: {aiw: [ms per call...], sdk: [ms per call...]}.
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [repo, root, callsArg, roundsArg, warmupArg] = process.argv.slice(2);
const calls = Number(callsArg);
const req = createRequire(join(repo, 'package.json'));
const { build } = await import(pathToFileURL(req.resolve('esbuild')).href);
const out = mkdtempSync(join(os.tmpdir(), 'aiw-bench-mcp-'));
const bundle = join(out, 'entry.mjs');
await build({
  entryPoints: [join(repo, 'bench', 'lib', 'mcp-call-entry.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20',
  outfile: bundle, logLevel: 'error', external: ['@modelcontextprotocol/sdk', 'zod', 'nunjucks'],
  nodePaths: [join(repo, 'node_modules')],
  // As the CLI's build does: the version is baked in (the parse cache keys its entries with it).
  define: { __AIW_VERSION__: JSON.stringify(req('./package.json').version) },
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
// The bundle imports the SDK by name: resolve it from the work tree.
const { symlinkSync } = await import('node:fs');
symlinkSync(join(repo, 'node_modules'), join(out, 'node_modules'));
const { aiwCaller } = await import(pathToFileURL(bundle).href);
const [{ Client }, { StdioClientTransport }] = await Promise.all([
  import(pathToFileURL(req.resolve('@modelcontextprotocol/sdk/client/index.js')).href),
  import(pathToFileURL(req.resolve('@modelcontextprotocol/sdk/client/stdio.js')).href),
]);

const server = join(root, '..', 'mcp-everything.sh');
// The SDK side's server starts first, then aiw's (on its first call, below).
const transport = new StdioClientTransport({ command: server, args: [], stderr: 'pipe' });
const client = new Client({ name: 'bench', version: '1' });
await client.connect(transport);
const aiw = await aiwCaller(join(root, 'tools'), join(root, 'memory', '.cache'), 'everything.echo');

const sides = {
  aiw: async (i) => {
    const out = await aiw.call({ message: `call ${i}` });
    if (out !== `Echo: call ${i}`) throw new Error(`aiw answered ${JSON.stringify(out)}`);
  },
  sdk: async (i) => {
    const res = await client.callTool({ name: 'echo', arguments: { message: `call ${i}` } });
    if (res.isError || res.content[0].text !== `Echo: call ${i}`) throw new Error(`sdk answered ${JSON.stringify(res)}`);
  },
};
// The first call of each side starts its server (aiw) or warms the connection: not timed.
await sides.aiw(0);
await sides.sdk(0);
const samples = { aiw: [], sdk: [] };
const total = Number(warmupArg) + Number(roundsArg);
for (let r = 0; r < total; r++) {
  const order = r % 2 ? ['sdk', 'aiw'] : ['aiw', 'sdk'];
  for (const name of order) {
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) await sides[name](i);
    if (r >= Number(warmupArg)) samples[name].push((performance.now() - t0) / calls);
  }
}
await aiw.close();
await client.close();
rmSync(out, { recursive: true, force: true });
process.stdout.write(`${JSON.stringify(samples)}\n`);
