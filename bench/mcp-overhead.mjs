#!/usr/bin/env node
// aiw's own work per MCP tool call, without the I/O: the `mcpcall` figure's path (bench/lib/mcp-call-entry.ts:
// registry tool, params, heal loop, connection) with the SDK's `callTool` answering at once, next to
// the same stubbed `callTool` called directly. The round trip to a server (~0.1–0.5 ms on a busy
// machine) swamps a few µs in the figure; this shows them. `node bench/mcp-overhead.mjs [calls]`.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const calls = Number(process.argv[2]) || 50_000;
const req = createRequire(join(repo, 'package.json'));
const tmp = mkdtempSync(join(os.tmpdir(), 'aiw-mcp-overhead-'));
try {
  // A project with the reference server behind a wrapper, as bench/lib/fixtures.mjs makes it.
  const server = join(tmp, 'everything.sh');
  const main = join(dirname(req.resolve('@modelcontextprotocol/server-everything/package.json')), 'dist', 'index.js');
  writeFileSync(server, `#!/bin/sh\nexec '${process.execPath}' '${main}' stdio\n`);
  chmodSync(server, 0o755);
  mkdirSync(join(tmp, 'tools'));
  writeFileSync(join(tmp, 'tools', 'mcp.yaml'), `mcp_servers:\n  everything:\n    command: ["${server}"]\n`);
  const bundle = join(tmp, 'entry.mjs');
  await build({
    entryPoints: [join(repo, 'bench', 'lib', 'mcp-call-entry.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20',
    outfile: bundle, logLevel: 'error', external: ['@modelcontextprotocol/sdk', 'zod', 'nunjucks'], nodePaths: [join(repo, 'node_modules')],
    define: { __AIW_VERSION__: JSON.stringify(req('./package.json').version) },
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  symlinkSync(join(repo, 'node_modules'), join(tmp, 'node_modules'));
  const { aiwCaller } = await import(pathToFileURL(bundle).href);
  const aiw = await aiwCaller(join(tmp, 'tools'), join(tmp, 'cache'), 'everything.echo');
  await aiw.call({ message: 'start' }); // the server starts and connects: later calls take the running path
  // The bundle imports the SDK by name from node_modules (its ESM build): the same module instance as this.
  const { Client } = await import(pathToFileURL(join(tmp, 'node_modules', '@modelcontextprotocol', 'sdk', 'dist', 'esm', 'client', 'index.js')).href);
  Client.prototype.callTool = async function (params) {
    return { content: [{ type: 'text', text: `Echo: ${params.arguments.message}` }] };
  };
  const direct = new Client({ name: 'bench', version: '1' });
  const sides = {
    aiw: async (i) => {
      if ((await aiw.call({ message: `call ${i}` })) !== `Echo: call ${i}`) throw new Error('aiw answered wrong');
    },
    sdk: async (i) => {
      if ((await direct.callTool({ name: 'echo', arguments: { message: `call ${i}` } })).content[0].text !== `Echo: call ${i}`) throw new Error('sdk answered wrong');
    },
  };
  const rows = [];
  for (let round = 0; round < 6; round++) {
    const t = {};
    for (const name of round % 2 ? ['sdk', 'aiw'] : ['aiw', 'sdk']) {
      const t0 = performance.now();
      for (let i = 0; i < calls; i++) await sides[name](i);
      t[name] = ((performance.now() - t0) / calls) * 1000;
    }
    if (round) rows.push(t.aiw - t.sdk); // the first round warms both up
  }
  rows.sort((a, b) => a - b);
  process.stdout.write(`aiw's own work per MCP call (SDK answer stubbed): median ${rows[rows.length >> 1].toFixed(2)} µs over ${rows.length} rounds of ${calls} calls\n`);
  // The stub answers without the server: stop it at once rather than wait for the polite close.
  await Promise.race([aiw.close(), new Promise((resolve) => setTimeout(resolve, 3000).unref())]);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
