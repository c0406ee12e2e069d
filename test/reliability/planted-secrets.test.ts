import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLANTED } from '../secrets/planted-formats.js';
import { recordFigure } from './support/figures.js';
import { runAiw, type Exited } from './support/processes.js';
import { scratch, type Scratch } from './support/scratch.js';

/**
 * Issue 17.2, as an attacker reads logs: 48 secret formats, printed by failing tools the way real
 * tools print them, plus the value of a `bearer_token_env` variable echoed by an HTTP peer, a skill
 * input named `db_pass`, an input marked `secret: true`, and a token cut in half by the 4,000
 * character error limit. The built `aiw` runs every command that prints or writes; every output
 * (stdout, stderr, --json, JUnit, the GitHub step summary) and every file it wrote
 * (tool_failures.yaml, tool_fixes.yaml, the lookup caches) is searched for every secret.
 */
const BEARER = 'HttpBearerEnvPlanted0123';
const DB_PASS = 'DbPassInputPlanted42';
const MARKED = 'MarkedSecretInputPlanted';
const CUT_TOKEN = 'ghp_CutInHalfTokenPlanted0123456789abcdef';
const ALL = [...PLANTED.flatMap((p) => p.secrets), BEARER, DB_PASS, MARKED, CUT_TOKEN.slice(-16)];
const CHUNK = 8;

let root: Scratch;
let server: Server;
const outputs: Array<[string, string]> = [];

async function aiw(what: string, args: string[], env: Record<string, string> = {}): Promise<Exited> {
  const p = await runAiw(['--root', root.dir, ...args], { env: { METRICS_HEADER_VALUE: BEARER, ...env }, timeoutMs: 60_000 });
  expect({ what, hung: p.hung, crashed: /internal error|\n {4}at /.test(p.stderr) }).toEqual({ what, hung: false, crashed: false });
  outputs.push([`${what} (stdout)`, p.stdout], [`${what} (stderr)`, p.stderr]);
  return p;
}

beforeAll(async () => {
  root = scratch('planted');
  // An HTTP peer that echoes the credential it was sent, bare, in its 401 body.
  server = createServer((req, res) => {
    res.writeHead(401, { 'content-type': 'text/plain' });
    res.end(`rejected credential ${String(req.headers.authorization ?? '').replace(/^Bearer /, '')}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  // Chunks of formats per tool, so each failure's error (its last 4,000 characters) holds them all.
  const chunks: string[][] = [];
  for (let i = 0; i < PLANTED.length; i += CHUNK) chunks.push(PLANTED.slice(i, i + CHUNK).map((p) => p.text));
  const tools: string[] = ['tools:'];
  const steps: string[] = [];
  chunks.forEach((lines, i) => {
    root.write(`leaks/${i}.txt`, `${lines.join('\n')}\nerror: Unauthorized (401)\n`);
    root.script(`bin/leak${i}`, `cat "${root.path(`leaks/${i}.txt`)}" >&2; echo "stdout: $1"; exit 1`);
    tools.push(`  leak${i}:`, `    command: ["${root.path(`bin/leak${i}`)}", "{{ note }}"]`, '    params: { note: { type: string } }');
    steps.push(`  - { name: leak${i}, tool: leak${i}, args: { note: "{{ inputs.db_pass }} {{ inputs.harmless }}" }, on_error: auto_heal }`);
  });
  // A token that the 4,000-character error limit cuts through.
  root.script('bin/cut', `printf '%s' '${CUT_TOKEN}' >&2; yes . | head -c 3980 >&2; exit 1`);
  tools.push('  cut:', `    command: ["${root.path('bin/cut')}"]`);
  steps.push('  - { name: cut, tool: cut, on_error: continue }');
  tools.push('  peer:', `    http: { url: "http://127.0.0.1:${port}/api", bearer_token_env: METRICS_HEADER_VALUE }`);
  steps.push('  - { name: peer, tool: peer, on_error: continue }');
  root.write('tools/t.yaml', `${tools.join('\n')}\n`);
  root.write('skills/leak.yaml', `name: leak
inputs:
  - { name: db_pass, type: string, required: true }
  - { name: harmless, type: string, secret: true }
steps:
${steps.join('\n')}
`);
  const allText = PLANTED.map((p) => p.text).join('\n');
  const run = ['run', 'leak', '-i', `db_pass=${DB_PASS}`, '-i', `harmless=${MARKED}`];
  await aiw('run --json', [...run, '--json']);
  await aiw('run (plain log)', run);
  await aiw('run --junit', [...run, '--junit', root.path('out/junit.xml')]);
  await aiw('run on GitHub Actions', run, { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: root.path('out/summary.md'), GITHUB_WORKSPACE: root.dir });
  await aiw('tool --json', ['tool', 'leak0', '--json']);
  await aiw('tool peer', ['tool', 'peer']);
  await aiw('tool cut', ['tool', 'cut', '--json']);
  // A person pastes the whole log into learn-fix: the prose is saved masked (with a warning) ...
  const pasted = await aiw('learn-fix (pasted prose)', ['learn-fix', '--tool', 'leak0', '--pattern', 'Unauthorized', '--root-cause', allText, '--fix', `rotate ${PLANTED[1]!.text}`]);
  expect(pasted.code).toBe(0);
  expect(pasted.stderr).toContain('saved masked (***)');
  // ... and a pattern or a remedy argument holding a secret is refused, nothing saved.
  const badPattern = await aiw('learn-fix (secret pattern)', ['learn-fix', '--tool', 'leak0', '--pattern', PLANTED[27]!.secrets[0]!, '--root-cause', 'r', '--fix', 'f']);
  expect(badPattern.code).toBe(2);
  const badRemedy = await aiw('learn-fix (secret remedy arg)', ['learn-fix', '--tool', 'leak0', '--pattern', 'Unauthorized', '--root-cause', 'r', '--fix', 'f', '--remedy-tool', 'leak1', '--remedy-arg', `note=${PLANTED[29]!.text}`]);
  expect(badRemedy.code).toBe(2);
  // The learn_tool_fix tool, as an agent would call it from a skill.
  root.write('skills/agent.yaml', `name: agent\nsteps:\n  - name: save\n    tool: learn_tool_fix\n    args: { tool_name: leak1, error_pattern: "Unauthorized", root_cause: ${JSON.stringify(allText)}, fix_description: f }\n`);
  await aiw('learn_tool_fix from a skill', ['run', 'agent', '--json']);
  await aiw('known-issues --json', ['known-issues', '--tool', 'leak0', '--error', allText, '--json']);
  await aiw('known-issues (plain)', ['known-issues', '--tool', 'leak0', '--error', allText]);
  await aiw('debug-tool --json', ['debug-tool', 'leak0', allText, '--json']);
  await aiw('debug-tool (plain)', ['debug-tool', 'leak0']);
  await aiw('memory --json', ['memory', '--json']);
  await aiw('memory (plain)', ['memory']);
  await aiw('run again, with the learned fix shown', [...run, '--json']);
}, 240_000);

afterAll(() => {
  server?.close();
  root?.remove();
});

function writtenFiles(dir: string): Array<[string, string]> {
  const files: Array<[string, string]> = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) files.push(...writtenFiles(full));
    else files.push([full, readFileSync(full, 'latin1')]);
  }
  return files;
}

describe(`${ALL.length} planted secrets (${PLANTED.length} formats and 4 registered or cut values)`, () => {
  it('really reached aiw: the search below is not vacuous', () => {
    const json = outputs.find(([w]) => w === 'run --json (stdout)')![1];
    expect(json).toContain('Authorization\\": \\"Basic ***');
    expect(json).toContain('rejected credential ***');
    expect(json).toContain('"db_pass":"***"');
    expect(json).toContain('"harmless":"***"');
    const log = readFileSync(root.path('memory/learned/tool_failures.yaml'), 'utf8');
    expect(log).toContain('Pwd=***;');
    expect(log).toContain('redis://:***@cache');
    // The pasted log was saved (masked), and the file it went into is still valid YAML for the agent's save after it.
    expect(readFileSync(root.path('memory/learned/tool_fixes.yaml'), 'utf8')).toContain('dbpwd=*** host=db');
    expect(outputs.find(([w]) => w === 'learn_tool_fix from a skill (stdout)')![1]).toContain('"status":"success"');
  });

  it('appear in no output: stdout, stderr, --json, plain logs, GitHub annotations', () => {
    const leaks: string[] = [];
    for (const [where, text] of outputs) for (const s of ALL) if (text.includes(s)) leaks.push(`${where}: ${s}`);
    expect(leaks).toEqual([]);
  });

  it('appear in no file aiw wrote: tool_failures.yaml, tool_fixes.yaml, lookup caches, JUnit, step summary', () => {
    const files = [...writtenFiles(root.path('memory')), ...writtenFiles(root.path('out'))];
    expect(files.map(([f]) => f.slice(root.dir.length + 1))).toEqual(expect.arrayContaining([
      'memory/learned/tool_failures.yaml', 'memory/learned/tool_fixes.yaml', 'memory/.cache/tool_fixes.yaml.cache', 'out/junit.xml', 'out/summary.md',
    ]));
    const leaks: string[] = [];
    for (const [file, text] of files) for (const s of ALL) if (text.includes(s)) leaks.push(`${file}: ${s}`);
    expect(leaks).toEqual([]);
    recordFigure('planted-secrets', { formats: PLANTED.length, values: ALL.length, outputs: outputs.length, files: files.length });
  });
});
