import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordFigure } from './support/figures.js';
import { runAiw, type Exited } from './support/processes.js';
import { scratch, type Scratch } from './support/scratch.js';

/**
 * Promise: a secret never leaves aiw unmasked. Each kind is planted where it really turns up (a
 * failing tool's stderr, its arguments, the environment), then every command that prints or writes
 * runs, and every output and every file aiw wrote is searched for every secret.
 */
const PARAM_SECRET = 'prm-S3cr3t-Value-7f3a9c';
const ENV_SECRETS: Record<string, string> = {
  MY_SERVICE_TOKEN: 'tokval-91ac77e2d0',
  DB_PASSWORD: 'pw-Zq81x7Lm4v',
  APP_SECRET: 'appsecret-55c1e0',
  SIGNING_KEY: 'sigkey-0b7d3e21',
  API_KEY_PROD: 'apikey-4d2f8a90',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};
// Shapes that are secret wherever they appear; passed to the tool under harmless names.
const SHAPES: Record<string, string> = {
  PLANT_BEARER: 'Op4queBearerTokenValue123',
  PLANT_BASIC: 'dXNlcjpzM2NyM3RwYXNzd29yZA==',
  PLANT_JWT: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
  PLANT_GITHUB: 'ghp_aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5',
  PLANT_GITLAB: 'glpat-xY7zA9bC1dE3fG5hI7jK',
  PLANT_SLACK: 'xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx',
  PLANT_AWS: 'AKIAIOSFODNN7EXAMPLE',
};
const ALL = [PARAM_SECRET, ...Object.values(ENV_SECRETS), ...Object.values(SHAPES)];
// The same secrets as a person would paste them into an error text or a learn-fix.
const PASTED = `Authorization: Bearer ${SHAPES.PLANT_BEARER} ${SHAPES.PLANT_JWT} ${SHAPES.PLANT_GITHUB} ${SHAPES.PLANT_GITLAB} ${SHAPES.PLANT_SLACK} ${SHAPES.PLANT_AWS} ${ENV_SECRETS.DB_PASSWORD} Unauthorized`;

let root: Scratch;
const outputs: Array<[string, string]> = [];

function env(extra: Record<string, string> = {}): Record<string, string> {
  // NPM_CONFIG_ALWAYS_AUTH is named like a secret but holds a switch: "partial" must not become "***".
  return { ...ENV_SECRETS, ...SHAPES, NPM_CONFIG_ALWAYS_AUTH: 'true', AUTH_MODE: 'partial', ...extra };
}

async function aiw(what: string, args: string[], extra: Record<string, string> = {}): Promise<Exited> {
  const p = await runAiw(['--root', root.dir, ...args], { env: env(extra), timeoutMs: 60_000 });
  // --debug prints stack traces on purpose (they are searched for secrets like everything else).
  const crashed = /internal error/.test(p.stderr) || (!args.includes('--debug') && /\n {4}at /.test(p.stderr));
  expect({ what, hung: p.hung, crashed }).toEqual({ what, hung: false, crashed: false });
  outputs.push([`${what} (stdout)`, p.stdout], [`${what} (stderr)`, p.stderr]);
  return p;
}

beforeAll(async () => {
  root = scratch('secrets');
  // Prints every kind of secret the way real tools leak them, then fails as an auth failure would.
  root.script('bin/leaky', [
    'echo "error: Unauthorized (401) calling the API" >&2',
    'echo "> Authorization: Bearer $PLANT_BEARER" >&2',
    'echo "> authorization: Basic $PLANT_BASIC" >&2',
    'echo "token in a URL: https://deploy:$DB_PASSWORD@git.example.com/repo.git" >&2',
    'echo "session $PLANT_JWT github $PLANT_GITHUB gitlab $PLANT_GITLAB" >&2',
    'echo "slack $PLANT_SLACK aws $PLANT_AWS / $AWS_SECRET_ACCESS_KEY" >&2',
    'echo "env: $MY_SERVICE_TOKEN $APP_SECRET $SIGNING_KEY $API_KEY_PROD" >&2',
    'echo "args: $1 $2" >&2',
    'echo "stdout too: $1 $PLANT_GITHUB"',
    'exit 1',
  ].join('\n'));
  root.script('bin/login', 'echo "login failed for token $MY_SERVICE_TOKEN and $PLANT_SLACK" >&2; exit 1');
  root.write('tools/t.yaml', `tools:
  leaky:
    description: leaks everything it knows
    command: ["${root.path('bin/leaky')}", "{{ token }}", "{{ other }}"]
    params:
      token: { type: string, secret: true, description: an API token }
      other: { type: string, description: "not marked secret, but holds a token shape" }
    auto_heal: site
  login:
    command: ["${root.path('bin/login')}"]
`);
  root.write('aiw.config.yaml', 'auto_heal:\n  retry: { max_attempts: 2, delay: 0, jitter: false }\n  profiles:\n    site: { auth: { tool: login } }\n');
  root.write('skills/leak.yaml', `name: leak
inputs:
  - { name: api_token, type: string, required: true }
steps:
  - name: call
    tool: leaky
    args: { token: "{{ inputs.api_token }}", other: "${SHAPES.PLANT_GITHUB}" }
    on_error: auto_heal
  - name: after
    compute: "return steps.call.error"
outputs:
  - { name: seen, value: "{{ after }}" }
`);
  root.write('memory/learned/patterns.yaml', `auth_patterns:\n  - pattern: "Unauthorized"\n    meaning: "the token (like ${SHAPES.PLANT_SLACK}) expired"\n    fix: "log in again"\n    commands: ["curl -H 'Authorization: Bearer ${SHAPES.PLANT_BEARER}' https://api.example.com"]\n`);

  const run = ['run', 'leak', '-i', `api_token=${PARAM_SECRET}`];
  await aiw('run --json', [...run, '--json']);
  await aiw('run (plain log)', run);
  await aiw('run --junit', [...run, '--junit', root.path('out/junit.xml')]);
  await aiw('run on GitHub Actions', run, { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: root.path('out/summary.md'), GITHUB_WORKSPACE: root.dir });
  await aiw('run --json on GitHub Actions', [...run, '--json'], { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: root.path('out/summary.md') });
  await aiw('tool --json', ['tool', 'leaky', '-a', `token=${PARAM_SECRET}`, '-a', `other=${SHAPES.PLANT_GITLAB}`, '--json']);
  await aiw('tool (plain)', ['tool', 'leaky', '-a', `token=${PARAM_SECRET}`, '-a', `other=${SHAPES.PLANT_GITLAB}`]);
  await aiw('tool --debug with a bad secret param', ['--debug', 'tool', 'leaky', '--args-json', JSON.stringify({ token: { not: PARAM_SECRET }, other: 'x' })]);
  await aiw('learn-fix', ['learn-fix', '--tool', 'leaky', '--pattern', 'Unauthorized', '--root-cause', `the token ${SHAPES.PLANT_GITHUB} expired`, '--fix', `export DB_PASSWORD=${ENV_SECRETS.DB_PASSWORD}; ${PASTED}`]);
  await aiw('learn-fix --json', ['learn-fix', '--tool', 'leaky', '--pattern', '(401)', '--root-cause', PASTED, '--fix', 'rotate', '--json']);
  await aiw('known-issues --json', ['known-issues', '--tool', 'leaky', '--error', PASTED, '--json']);
  await aiw('known-issues (plain)', ['known-issues', '--tool', 'leaky', '--error', PASTED]);
  await aiw('debug-tool --json', ['debug-tool', 'leaky', PASTED, '--json']);
  await aiw('debug-tool (plain)', ['debug-tool', 'leaky', PASTED]);
  await aiw('memory --json', ['memory', '--json']);
  await aiw('memory (plain)', ['memory']);
  await aiw('memory failures', ['memory', 'failures']);
  await aiw('memory stats --json', ['memory', 'stats', '--json']);
  await aiw('run again, with the learned fix shown', [...run, '--json']);
}, 180_000);

afterAll(() => root?.remove());

/** Every file under `dir` that aiw wrote (memory, caches, reports), with its text. */
function writtenFiles(dir: string): Array<[string, string]> {
  const files: Array<[string, string]> = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) files.push(...writtenFiles(full));
    else files.push([full, readFileSync(full, 'latin1')]);
  }
  return files;
}

describe('secrets: never written or printed unmasked', () => {
  it('the planted secrets really reached aiw (the search below is not vacuous)', () => {
    const json = outputs.find(([w]) => w === 'run --json (stdout)')![1];
    expect(json).toContain('Authorization: Bearer ***');
    expect(json).toContain('https://deploy:***@git.example.com');
    expect(json).toMatch(/args: \*\*\* \*\*\*/);
    expect(json).toContain('"api_token":"***"');
    // The step's failure is tolerated (auto_heal, run partial): its annotation is a warning.
    expect(outputs.find(([w]) => w === 'run on GitHub Actions (stdout)')![1]).toMatch(/^::warning .*Authorization: Bearer \*\*\*/m);
    // A switch named like a secret is not one: its value is not masked everywhere.
    expect(outputs.find(([w]) => w === 'run --json (stdout)')![1]).toContain('"status":"partial"');
    const log = readFileSync(root.path('memory/learned/tool_failures.yaml'), 'utf8');
    expect(log).toContain('login failed for token ***');
  });

  it('appear in no output of run (--json, plain, JUnit, GitHub annotations and summary), tool, learn-fix, known-issues, debug-tool or memory', () => {
    const leaks: string[] = [];
    for (const [where, text] of outputs) for (const s of ALL) if (text.includes(s)) leaks.push(`${where}: ${s}`);
    expect(leaks).toEqual([]);
  });

  it('appear in no file aiw wrote: tool_failures.yaml, tool_fixes.yaml, lookup caches, JUnit, step summary', () => {
    // patterns.yaml is the team's own file (this test wrote secrets into it on purpose, to check that
    // lookups mask them when shown); its lookup cache mirrors it. Everything else here aiw wrote.
    const own = [root.path('memory/learned/patterns.yaml'), root.path('memory/.cache/patterns.yaml.cache')];
    const files = [...writtenFiles(root.path('memory')), ...writtenFiles(root.path('out'))].filter(([f]) => !own.includes(f));
    expect(files.map(([f]) => f.slice(root.dir.length + 1))).toEqual(expect.arrayContaining([
      'memory/learned/tool_failures.yaml', 'memory/learned/tool_fixes.yaml', 'out/junit.xml', 'out/summary.md',
    ]));
    const leaks: string[] = [];
    for (const [file, text] of files) for (const s of ALL) if (text.includes(s)) leaks.push(`${file}: ${s}`);
    expect(leaks).toEqual([]);
    recordFigure('secrets', { kinds: ALL.length, outputs: outputs.length, files: files.length });
  });
});
