import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { asksVersionOnly } from '../../src/cli/version-only.js';
import { run } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/io.js';

const BIN = fileURLToPath(new URL('../../bin/aiw.js', import.meta.url));
const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** What the CLI itself (commander) prints and returns for argv, in-process. */
async function cli(argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const io: Io = {
    stdout: { write: (t) => void (out += t) },
    stderr: { write: () => undefined },
    env: { PATH: process.env.PATH },
    cwd: process.cwd(),
  };
  return { code: await run(argv, io), out };
}

const ANSWERED = [
  ['--version'],
  ['-V'],
  ['--root', '/nowhere', '--version'],
  ['--version', '--root', '/nowhere'],
  ['--root=/nowhere', '--memory-dir', '/else', '-V'],
  ['--debug', '--memory-dir=/else', '--version'],
];
const LEFT_TO_THE_CLI = [
  [],
  ['--root', '--version'],
  ['--root'],
  ['run', '--version'],
  ['--version', 'run', 'one'],
  ['--version', '--bogus'],
  ['--help', '--version'],
];

describe('the loader answers the version by itself', () => {
  for (const argv of ANSWERED) {
    it(`for \`aiw ${argv.join(' ')}\`, exactly as the CLI does`, async () => {
      expect(asksVersionOnly(argv)).toBe(true);
      expect(await cli(argv)).toEqual({ code: 0, out: `${VERSION}\n` });
    });
  }

  for (const argv of LEFT_TO_THE_CLI) {
    it(`but leaves \`aiw ${argv.join(' ')}\` to the CLI`, () => {
      expect(asksVersionOnly(argv)).toBe(false);
    });
  }

  it('from the built binary, with global options before it', () => {
    const out = execFileSync(process.execPath, [BIN, '--root', '/nowhere', '--version'], { encoding: 'utf8', env: { ...process.env, AIW_CACHE_DIR: 'off' } });
    expect(out).toBe(`${VERSION}\n`);
  });
});
