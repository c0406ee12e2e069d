import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

// pg's own helpers (WebCrypto) and the node:crypto ones the build bundles in their place.
const require = createRequire(import.meta.url);
const theirs = require('pg/lib/crypto/utils.js') as Helpers;
const ours = require('../../../scripts/vendor-patches/pg-crypto.cjs') as Helpers;

interface Helpers {
  postgresMd5PasswordHash(user: string, password: string, salt: Buffer): Promise<string>;
  randomBytes(n: number): Buffer;
  deriveKey(password: string, salt: Uint8Array, iterations: number): Promise<ArrayBuffer | Buffer>;
  sha256(data: ArrayBuffer | Uint8Array): Promise<ArrayBuffer | Buffer>;
  hashByName(name: string, data: ArrayBuffer | Uint8Array): Promise<ArrayBuffer | Buffer>;
  hmacSha256(key: ArrayBuffer | Uint8Array, msg: string): Promise<ArrayBuffer | Buffer>;
  md5(text: string | Buffer): Promise<string>;
}

const hex = (b: ArrayBuffer | Buffer) => Buffer.from(b as ArrayBuffer).toString('hex');

describe("the bundled pg's SCRAM and MD5 helpers on node:crypto", () => {
  it('give the bytes pg\'s WebCrypto helpers give, step by step through a SCRAM login', async () => {
    for (const [password, iterations] of [['pw-Secret', 4096], ['pässwörd ✓ 🔑', 4096], ['', 1]] as const) {
      const salt = Buffer.from('c2FsdHNhbHRzYWx0', 'base64');
      const [a, b] = [await theirs.deriveKey(password, salt, iterations), await ours.deriveKey(password, salt, iterations)];
      expect(hex(b)).toBe(hex(a));
      const clientKey = [await theirs.hmacSha256(a, 'Client Key'), await ours.hmacSha256(b, 'Client Key')] as const;
      expect(hex(clientKey[1])).toBe(hex(clientKey[0]));
      const stored = [await theirs.sha256(clientKey[0] as ArrayBuffer), await ours.sha256(clientKey[1] as Buffer)] as const;
      expect(hex(stored[1])).toBe(hex(stored[0]));
      const auth = 'n=*,r=abc,r=abcdef,s=c2FsdA==,i=4096,c=biws,r=abcdef ✓';
      expect(hex(await ours.hmacSha256(stored[1] as Buffer, auth))).toBe(hex(await theirs.hmacSha256(stored[0] as ArrayBuffer, auth)));
    }
  });

  it('hash a certificate by its WebCrypto name, and refuse an unknown one', async () => {
    const cert = new Uint8Array(Buffer.from('certificate bytes'));
    for (const name of ['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512']) {
      expect(hex(await ours.hashByName(name, cert))).toBe(hex(await theirs.hashByName(name, cert)));
    }
    await expect(ours.hashByName('MD2', cert)).rejects.toThrow(/MD2/);
  });

  it('make the MD5 password hash and random nonces as pg does', async () => {
    const salt = Buffer.from([1, 2, 3, 4]);
    expect(await ours.postgresMd5PasswordHash('aiw', 'pw', salt)).toBe(await theirs.postgresMd5PasswordHash('aiw', 'pw', salt));
    const nonce = ours.randomBytes(18);
    expect(nonce).toBeInstanceOf(Buffer);
    expect(nonce).toHaveLength(18);
    expect(ours.randomBytes(18).equals(nonce)).toBe(false);
  });
});
