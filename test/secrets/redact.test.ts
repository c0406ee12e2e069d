import { describe, expect, it } from 'vitest';
import { addSecrets, isSecretName, redact, redactAndTruncate, redactorFor } from '../../src/secrets/redact.js';
import { PLANTED } from './planted-formats.js';
import { ALL_SAMPLES } from './shape-samples.js';

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

describe('redactorFor: the strings of one document', () => {
  addSecrets(['known-doc-secret-42']);
  const PLAIN = ['The token was stale (case 17)', 'aiw tool vpn_connect', 'ΟΔΟΣ', 'kubectl describe pod -n <namespace>', '', 'Authorization: abc123'];

  it('masks each string exactly as redact does, whatever the mix', () => {
    const samples = [...PLAIN, 'uses known-doc-secret-42 here', ...ALL_SAMPLES, ...PLAIN];
    for (let i = 0; i < samples.length; i += 5) {
      const texts = samples.slice(i, i + 7);
      const mask = redactorFor(texts);
      expect(texts.map((t) => (mask ? mask(t) : t))).toEqual(texts.map(redact));
    }
  });

  it('is null when no string holds a known value or a trigger, so the document goes out as it is', () => {
    expect(redactorFor(['aiw tool vpn_connect', 'Refresh the config and retry with --force (case 17)', 'ΟΔΟΣ'])).toBeNull();
    expect(redactorFor(['x known-doc-secret-42'])).not.toBeNull();
  });
});
