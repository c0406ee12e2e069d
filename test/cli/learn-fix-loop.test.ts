import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { learnedFile, parseToolFixes } from '../../src/memory/fix-store.js';
import { readFailures } from '../../src/memory/attempt-log/attempt-log.js';
import { aiw, tempRoot, TEST_XDG_CONFIG_HOME } from '../helpers/temp-root.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'aiw.js');

/**
 * A project whose `deploy` tool fails the way a registry does ("manifest unknown") until a token
 * file exists; `make_token` creates it. Nothing is known about the failure at first.
 */
function project() {
  const root = tempRoot();
  const token = root.path('token');
  root.script('tools/deploy.sh', `if [ -f '${token}' ]; then echo deployed; else echo "Error: manifest unknown: image not found" >&2; exit 1; fi`);
  root.write('tools/t.yaml', `tools:
  deploy:
    description: deploy the image
    command: ["${root.path('tools/deploy.sh')}"]
  make_token:
    description: create the token deploy needs
    command: [touch, "${token}"]
    remedy_safe: true
`);
  root.write('skills/ship.yaml', 'name: ship\nsteps:\n  - name: deploy\n    tool: deploy\n    on_error: auto_heal\n');
  return root;
}

interface ToolDoc { status: string; known_issues: Array<Record<string, unknown>> }
interface RunDoc { status: string; steps: Array<{ name: string; status: string; heals?: Array<Record<string, unknown>> }> }

describe('the learning loop, as a person lives it', () => {
  it('fails, finds nothing, debugs, learns, shows the fix; then with a remedy heals itself and counts it', async () => {
    const root = project();
    const memory = root.path('memory');

    // 1. The tool fails; memory knows nothing and says what to do.
    const first = await aiw(['tool', 'deploy'], { root: root.dir });
    expect(first.code).toBe(1);
    expect(first.stderr).toContain('manifest unknown');
    expect(first.stderr).toContain('aiw debug-tool deploy');
    const none = await aiw(['known-issues', '--tool', 'deploy', '--error', 'manifest unknown', '--json'], { root: root.dir });
    expect(none.json()).toMatchObject({ matches: [] });

    // 2. debug-tool: where it is, the failure it just had, and the learn-fix command to run.
    const debug = await aiw(['debug-tool', 'deploy'], { root: root.dir });
    expect(debug.code).toBe(0);
    expect(debug.stdout).toContain(`${root.path('tools/t.yaml')}:2`);
    expect(debug.stdout).toContain('command: ["');
    expect(debug.stdout).toContain('(its last recorded failure)');
    expect(debug.stdout).toMatch(/ 1\. Reproduce it: aiw tool deploy/);
    expect(debug.stdout).toContain("aiw learn-fix --tool deploy --pattern 'manifest unknown' --root-cause '<why it failed>' --fix '<what fixed it>'");

    // 3. learn-fix, then the next failure shows the fix (text and --json).
    const learned = await aiw(['learn-fix', 'deploy', 'manifest unknown', 'the registry needs a token', 'run make_token first'], { root: root.dir });
    expect(learned.code).toBe(0);
    expect(learned.stdout).toContain('✅ Saved tool fix to memory!');
    expect(learned.stdout).toContain("Next time this pattern appears, you'll be reminded of the fix.");
    const again = await aiw(['tool', 'deploy'], { root: root.dir });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('💡 Known Issues Found!');
    expect(again.stderr).toContain('run make_token first');
    const json = (await aiw(['tool', 'deploy', '--json'], { root: root.dir })).json<ToolDoc>();
    expect(json.known_issues[0]).toMatchObject({ source: 'tool_fixes', tool_name: 'deploy', pattern: 'manifest unknown', fix: 'run make_token first' });

    // 4. The same fix with a remedy: the next run heals itself, and the fix counts one prevented repeat.
    const remedy = await aiw(['learn-fix', '--tool', 'deploy', '--pattern', 'manifest unknown', '--root-cause', 'the registry needs a token', '--fix', 'run make_token first', '--remedy-tool', 'make_token', '--trust'], { root: root.dir });
    expect(remedy.stdout).toContain('Updated');
    const run = await aiw(['run', 'ship', '--json'], { root: root.dir });
    const doc = run.json<RunDoc>();
    expect(doc.steps[0]).toMatchObject({ name: 'deploy', status: 'healed' });
    expect(doc.steps[0]!.heals?.[0]).toMatchObject({ fix: 'make_token', fix_success: true, source: 'learned' });
    const fixes = parseToolFixes(readFileSync(learnedFile(memory, 'tool_fixes'), 'utf8'), 'f').entries;
    expect(fixes).toHaveLength(1);
    expect(fixes[0]).toMatchObject({ times_prevented: 1, last_prevented: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    const log = await readFailures(learnedFile(memory, 'tool_failures'));
    expect(log.warnings).toEqual([]);
    expect(log.records.some((r) => r.fix_attempted === 'make_token' && r.success)).toBe(true);
  });

  it('works the same through the built binary', async () => {
    const root = project();
    const env = { ...process.env, CI: 'true', XDG_CONFIG_HOME: TEST_XDG_CONFIG_HOME };
    const exec = (args: string[]) => promisify(execFile)(process.execPath, [BIN, '--root', root.dir, ...args], { env }).then(
      (r) => ({ code: 0, ...r }), (e: { code: number; stdout: string; stderr: string }) => e,
    );
    expect((await exec(['tool', 'deploy'])).code).toBe(1);
    expect((await exec(['learn-fix', 'deploy', 'manifest unknown', 'no token', 'make one', '--remedy-tool', 'make_token', '--trust'])).code).toBe(0);
    const ki = await exec(['known-issues', '--tool', 'deploy', '--error', 'Error: manifest unknown', '--json']);
    expect(JSON.parse(ki.stdout)).toMatchObject({ failure_class: null, matches: [{ tool_name: 'deploy', commands: ['aiw tool make_token'] }] });
    const run = await exec(['run', 'ship', '--json']);
    expect(JSON.parse(run.stdout).steps[0].status).toBe('healed');
  });
});
