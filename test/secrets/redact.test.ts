import { describe, expect, it } from 'vitest';
import { addSecrets, isSecretName, redact, redactAndTruncate } from '../../src/secrets/redact.js';
import { PLANTED } from './planted-formats.js';

describe('redact: secret shapes', () => {
  it(`covers ${PLANTED.length} formats (at least 40)`, () => {
    expect(PLANTED.length).toBeGreaterThanOrEqual(40);
  });

  for (const p of PLANTED) {
    it(`masks ${p.name}`, () => {
      const out = redact(p.text);
      for (const s of p.secrets) expect(out).not.toContain(s);
      expect(out).toContain('***');
    });
  }

  it('leaves ordinary text alone: paths, switches, counts, URLs without credentials, words that contain "pass"', () => {
    const plain = [
      'PWD=/home/runner/work OLDPWD=/tmp', 'max_tokens: 100', 'secret: true', 'bypass=yes compass=north',
      'git@github.com:org/repo.git', 'http://host:8080/a@b', 'https://example.com/path?q=1&sort=asc',
      '--token-file /etc/token', 'error: Unauthorized (401)', 'tokens used: 12', 'password reset link sent',
    ];
    for (const t of plain) expect(redact(t)).toBe(t);
  });

  it('masks before it cuts: the tail of a long text never keeps half a token', () => {
    const token = 'ghp_PlantedGitHubToken0123456789abcdefABCD';
    const text = `${token}${'x'.repeat(3980)}`;
    const cut = redactAndTruncate(text, 4000, 'tail');
    expect(cut).not.toContain(token.slice(-16));
    expect(cut.length).toBeLessThanOrEqual(4000);
  });

  it('masks a registered value wherever it appears', () => {
    addSecrets(['registered-value-1234']);
    expect(redact('a registered-value-1234 b')).toBe('a *** b');
  });

  it('reads names like db_pass, api_token, client_secret as secret, but not PWD or max_tokens', () => {
    for (const n of ['db_pass', 'api_token', 'client_secret', 'ADMIN_PASSWORD', 'DBPWD', 'sas_token']) expect(isSecretName(n)).toBe(true);
    for (const n of ['PWD', 'OLDPWD', 'namespace', 'window', 'bypass']) expect(isSecretName(n)).toBe(false);
  });
});
