import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { tempRoot, type TempRoot } from '../helpers/temp-root.js';

export const BIN = join(import.meta.dirname, '..', '..', 'bin', 'aiw.js');

/**
 * A project an agent drives: `deploy` fails with "401 Unauthorized" until a token file exists and
 * heals through the `login` quick fix; `slow` sleeps so a call can be cancelled; `greet` is a
 * skill with a typed, required input.
 */
export function agentProject(): TempRoot {
  const root = tempRoot();
  const token = root.path('token');
  root.script('bin/deploy', `if [ -f '${token}' ]; then echo "deployed $1"; else echo "Error: 401 Unauthorized" >&2; exit 1; fi`);
  root.script('bin/slow', `echo $$ > '${root.path('slow.pid')}'; exec sleep 30`);
  root.write('tools/t.yaml', `tools:
  deploy:
    description: deploy a version
    command: ["${root.path('bin/deploy')}", "{{ version }}"]
    params: { version: { type: string, required: true, description: the version to deploy } }
    auto_heal: site
  login:
    description: create the token deploy needs
    command: [touch, "${token}"]
  slow:
    description: sleeps for a long time
    command: ["${root.path('bin/slow')}"]
  say:
    command: [echo, "{{ text }}"]
    params: { text: { type: string, required: true } }
`);
  root.write('aiw.config.yaml', `auto_heal:
  retry: { max_attempts: 3, delay: 0, jitter: false }
  profiles:
    site: { auth: { tool: login } }
`);
  root.write('skills/greet.yaml', `name: greet
description: greet someone, then deploy
inputs:
  - name: who
    type: string
    required: true
    description: whom to greet
  - name: times
    type: integer
    default: 1
steps:
  - name: hello
    tool: say
    args: { text: "hello {{ inputs.who }}" }
  - name: ship
    tool: deploy
    args: { version: "v{{ inputs.times }}" }
    on_error: auto_heal
outputs:
  - name: said
    value: "{{ hello }}"
`);
  root.write('skills/wait.yaml', `name: wait
steps:
  - name: first
    tool: say
    args: { text: one }
  - name: long
    tool: slow
`);
  return root;
}

/** The SDK's real client, talking to `aiw mcp` started as an agent would start it. */
export async function stdioClient(root: TempRoot, extra: string[] = []): Promise<{ client: Client; stderr: () => string }> {
  const transport = new StdioClientTransport({
    command: process.execPath, args: [BIN, '--root', root.dir, 'mcp', ...extra], env: { PATH: process.env.PATH!, HOME: root.dir, CI: 'true' }, stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (c: Buffer) => void (stderr += c.toString()));
  const client = new Client({ name: 'aiw-test', version: '1' });
  await client.connect(transport);
  return { client, stderr: () => stderr };
}

export function text(result: Record<string, unknown>): string {
  return ((result.content ?? []) as Array<{ text?: string }>).map((c) => c.text ?? '').join('\n');
}
