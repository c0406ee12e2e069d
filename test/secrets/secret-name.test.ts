import { describe, expect, it } from 'vitest';
import { SECRET_ENV_NAME, secretNamed } from '../../src/secrets/redact.js';

const PIECES = ['TOKEN', 'SECRET', 'PASSWORD', 'PASSWD', 'PASSPHRASE', 'API', 'KEY', 'PRIVATE', 'ACCESS', 'CREDENTIAL', 'S', 'AUTH', 'CONFIG', 'HEADER',
  'PASS', 'PWD', 'SAS', 'WEBHOOK', 'DSN', 'OLD', 'GIT', 'AUTHOR', 'NAME', 'PATH', 'HOME', 'X', '1', '_', '__', 'o', 'token', 'Key', 'pAsS', 'ß', 'ſ', 'é', '-', '.'];

describe('secret variable names', () => {
  it('are found by the string searches exactly as by the regex', () => {
    // Every name of up to three pieces, and a pseudo-random sample of longer ones.
    const names = new Set<string>(['', 'PWD', 'OLDPWD', 'XPWD', 'KEY', 'MONKEY', 'NPM_AUTH', 'OAUTH_ENABLED', 'GIT_AUTHOR_NAME', 'SSH_AUTH_SOCK']);
    for (const a of PIECES) for (const b of PIECES) for (const c of PIECES) names.add(a + b + c);
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let i = 0; i < 20_000; i++) names.add(Array.from({ length: 2 + (next() % 5) }, () => PIECES[next() % PIECES.length]).join(''));
    const differ = [...names].filter((n) => secretNamed(n) !== SECRET_ENV_NAME.test(n));
    expect(differ).toEqual([]);
    expect([...names].filter((n) => secretNamed(n)).length).toBeGreaterThan(1000);
  });
});
