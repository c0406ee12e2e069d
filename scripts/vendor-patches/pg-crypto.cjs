'use strict';
// pg's crypto helpers (pg/lib/crypto/utils.js) on node:crypto's own functions instead of WebCrypto.
// The bundled pg (dist/vendor/pg.cjs) takes this file in place of that one: the same exports, the
// same bytes out for the same bytes in (test/memory/postgres/pg-crypto.test.ts holds them equal),
// without loading Node's WebCrypto layer and its key objects for a SCRAM login (~3–5 ms of every
// aiw command that opens PostgreSQL memory). Results are Buffers where WebCrypto gave ArrayBuffers;
// pg reads both through Buffer.from.
// Loaded on first use, which is the login: aiw's connection loads it while the server starts its
// backend (src/memory/postgres/connection.ts), not with pg.
let loaded;
const nodeCrypto = () => (loaded ??= require('node:crypto'));

module.exports = { postgresMd5PasswordHash, randomBytes, deriveKey, sha256, hashByName, hmacSha256, md5 };

function randomBytes(length) {
  return nodeCrypto().randomBytes(length);
}

async function md5(string) {
  return nodeCrypto().createHash('md5').update(string, 'utf-8').digest('hex');
}

// See AuthenticationMD5Password at https://www.postgresql.org/docs/current/static/protocol-flow.html
async function postgresMd5PasswordHash(user, password, salt) {
  const inner = await md5(password + user);
  const outer = await md5(Buffer.concat([Buffer.from(inner), salt]));
  return `md5${outer}`;
}

async function sha256(data) {
  return nodeCrypto().createHash('sha256').update(bytes(data)).digest();
}

/** WebCrypto's digest names (`SHA-256`), as pg passes them for channel binding. */
const HASHES = { 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };

async function hashByName(hashName, data) {
  const name = HASHES[hashName];
  if (!name) throw new Error(`Unrecognized hash name: ${hashName}`);
  return nodeCrypto().createHash(name).update(bytes(data)).digest();
}

async function hmacSha256(key, msg) {
  return nodeCrypto().createHmac('sha256', bytes(key)).update(msg, 'utf8').digest();
}

async function deriveKey(password, salt, iterations) {
  return nodeCrypto().pbkdf2Sync(Buffer.from(password, 'utf8'), bytes(salt), iterations, 32, 'sha256');
}

/** A Buffer over any of the byte sources WebCrypto takes (ArrayBuffer, typed array, Buffer, string). */
function bytes(data) {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}
