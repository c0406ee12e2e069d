import { describe, expect, it } from 'vitest';
import { colorLevel, deviceMajor, isCi, isInteractive, type Io } from '../../src/cli/io.js';

const io = (env: NodeJS.ProcessEnv, isTTY = true): Io => ({ stdout: { write: () => {}, isTTY }, stderr: { write: () => {} }, env, cwd: '/' });

describe('non-interactive detection', () => {
  it('treats CI set to anything but empty, false or 0 as a CI job', () => {
    for (const v of ['true', '1', 'yes', 'woodpecker']) expect(isCi({ CI: v })).toBe(true);
    for (const v of [undefined, '', 'false', 'FALSE', '0']) expect(isCi({ CI: v })).toBe(false);
  });

  it('is interactive only on a terminal outside CI', () => {
    expect(isInteractive(io({}))).toBe(true);
    expect(isInteractive(io({ CI: 'true' }))).toBe(false);
    expect(isInteractive(io({}, false))).toBe(false);
    expect(isInteractive(io({ CI: 'false' }))).toBe(true);
  });
});

describe('colour level', () => {
  it('has no colour in CI or a pipe unless FORCE_COLOR asks for it', () => {
    expect(colorLevel(io({ CI: 'true' }))).toBe(0);
    expect(colorLevel(io({}, false))).toBe(0);
    expect(colorLevel(io({ CI: 'true', FORCE_COLOR: '1' }))).toBe(1);
    expect(colorLevel(io({ FORCE_COLOR: '3' }, false))).toBe(3);
    expect(colorLevel(io({ FORCE_COLOR: '' }, false))).toBe(1);
    expect(colorLevel(io({ FORCE_COLOR: '0' }))).toBe(0);
  });

  it('never colours with NO_COLOR, which wins over FORCE_COLOR and a terminal', () => {
    expect(colorLevel(io({ NO_COLOR: '1' }))).toBe(0);
    expect(colorLevel(io({ NO_COLOR: '1', FORCE_COLOR: '2' }))).toBe(0);
    expect(colorLevel(io({ NO_COLOR: '' }))).toBe(1);
  });
});

describe('device major numbers (telling /dev/null from a terminal without node:tty)', () => {
  it('reads the major number the way glibc does, small and large', () => {
    expect(deviceMajor(259)).toBe(1); // /dev/null: makedev(1, 3)
    expect(deviceMajor(1280)).toBe(5); // /dev/tty: makedev(5, 0)
    expect(deviceMajor(136 << 8)).toBe(136); // /dev/pts/0
    // makedev(5000, 7): the major's high bits sit above bit 32.
    expect(deviceMajor(((5000 & 0xfff) << 8) + (5000 & ~0xfff) * 2 ** 32 + 7)).toBe(5000);
  });
});
