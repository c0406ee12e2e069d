// Baseline of the `mcpcall` figure: the SDK's own client starts the same MCP server (the same
// wrapper aiw starts), calls the same tool N times one after the other, and closes it, as aiw does.
// Usage: node mcp-sdk-calls.mjs <repo> <server command> <N>
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [repo, command, count] = process.argv.slice(2);
const load = (p) => import(pathToFileURL(createRequire(join(repo, 'package.json')).resolve(p)).href);
const [{ Client }, { StdioClientTransport }] = await Promise.all([load('@modelcontextprotocol/sdk/client/index.js'), load('@modelcontextprotocol/sdk/client/stdio.js')]);
const client = new Client({ name: 'bench', version: '1' });
const transport = new StdioClientTransport({ command, args: [], stderr: 'pipe' });
await client.connect(transport);
for (let i = 0; i < Number(count); i++) {
  const res = await client.callTool({ name: 'echo', arguments: { message: `call ${i}` } });
  if (res.isError) throw new Error(`echo failed: ${JSON.stringify(res.content)}`);
}
// aiw ends a server the same way (stdin closed, SIGTERM after a short grace): same cost on both sides.
const pid = transport.pid;
const grace = setTimeout(() => process.kill(pid, 'SIGTERM'), 300);
await client.close();
clearTimeout(grace);
