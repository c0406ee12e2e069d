import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema, GetPromptRequestSchema, ListPromptsRequestSchema, ListResourcesRequestSchema, ListToolsRequestSchema,
  ReadResourceRequestSchema, type CallToolRequest, type ServerNotification, type ServerRequest,
} from '@modelcontextprotocol/sdk/types.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { AiwError } from '../errors/errors.js';
import { openSession } from '../session/session.js';
import { errorText } from './answers.js';
import { callTool, type CallExtra, type ServeOptions } from './call-tool.js';
import { buildCatalog, loadSkills } from './catalog.js';
import { fixToolPrompt, listResources, readResource } from './resources.js';

const PROMPT = 'fix_tool_failure';

/**
 * aiw as an MCP server: skills, tools and the learning loop as MCP tools; memory files and skills as
 * resources; a prompt for the debug → fix → learn_tool_fix loop. One Server per client connection.
 */
export function createAiwServer(opts: ServeOptions, version: string): Server & { idle(): Promise<void> } {
  const server = new Server(
    { name: 'aiw', version },
    {
      capabilities: { tools: {}, resources: {}, prompts: {} },
      instructions: 'aiw runs YAML skills whose tools heal known failures. When a tool fails, use check_known_issues, then debug_tool, fix it, and save the fix with learn_tool_fix (the fix_tool_failure prompt walks through it).',
    },
  );
  server.setRequestHandler(ListToolsRequestSchema, async () => {
    const session = await openSession(opts.globals, opts.io).catch((err: unknown) => {
      // A broken tool file is the user's to fix: the protocol error carries the CLI's file:line:col text.
      throw new Error(errorText(err), { cause: err });
    });
    try {
      const catalog = buildCatalog(await loadSkills(session.project), session.registry, opts.readOnly);
      return {
        tools: catalog.map((t) => ({
          name: t.name, description: t.description, inputSchema: t.inputSchema as { type: 'object' },
          annotations: { readOnlyHint: t.readOnly, destructiveHint: !t.readOnly, openWorldHint: t.target.kind === 'tool' || t.target.kind === 'skill' || t.target.kind === 'run_skill' },
        })),
      };
    } finally {
      await session.close();
    }
  });
  // Calls still running when the client closes stdin are answered before aiw exits (`... | aiw mcp`).
  const running = new Set<Promise<unknown>>();
  const idle = async () => {
    while (running.size) await Promise.allSettled([...running]);
  };
  server.setRequestHandler(CallToolRequestSchema, (request, extra) => {
    const call = handleCall(request, extra);
    running.add(call);
    void call.finally(() => running.delete(call)).catch(() => undefined);
    return call;
  });
  const handleCall = async (request: CallToolRequest, extra: RequestHandlerExtra<ServerRequest, ServerNotification>) => {
    const token = request.params._meta?.progressToken;
    const callExtra: CallExtra = { signal: extra.signal };
    // Sent in order, and all before the answer: the client stops listening for progress once it has it.
    let sent = Promise.resolve();
    if (token !== undefined) {
      callExtra.progress = (progress, total, message) => {
        sent = sent.then(() => extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress, total, message } }))
          // A progress note that cannot be sent (the client left) must not fail the run.
          .catch((err: unknown) => opts.io.stderr.write(`aiw mcp: warning: progress not sent: ${String(err)}\n`));
      };
    }
    const answer = await callTool(request.params.name, request.params.arguments ?? {}, opts, callExtra);
    await sent;
    return answer;
  };
  server.setRequestHandler(ListResourcesRequestSchema, async () => ({ resources: await listResources(opts) }));
  server.setRequestHandler(ReadResourceRequestSchema, async (request) => {
    try {
      return { contents: [await readResource(request.params.uri, opts)] };
    } catch (err) {
      // Resource reads have no isError: the protocol error carries the CLI's text.
      throw new Error(errorText(err), { cause: err });
    }
  });
  server.setRequestHandler(ListPromptsRequestSchema, async () => ({
    prompts: [{
      name: PROMPT, description: 'Walk through a failing aiw tool: known issues → debug_tool → fix → learn_tool_fix',
      arguments: [{ name: 'tool_name', description: 'the tool that failed', required: true }, { name: 'error_text', description: 'the error text it printed' }],
    }],
  }));
  server.setRequestHandler(GetPromptRequestSchema, async (request) => {
    if (request.params.name !== PROMPT) throw new Error(errorText(new AiwError('USAGE', `no prompt '${request.params.name}'; the prompt is '${PROMPT}'`)));
    const args = request.params.arguments ?? {};
    if (!args.tool_name) throw new Error(errorText(new AiwError('INPUT', `prompt '${PROMPT}' needs tool_name`)));
    return {
      description: `Fix the failing tool ${args.tool_name} and save the fix`,
      messages: [{ role: 'user' as const, content: { type: 'text' as const, text: fixToolPrompt(args.tool_name, args.error_text) } }],
    };
  });
  return Object.assign(server, { idle });
}
