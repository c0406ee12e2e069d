/**
 * A 64-bit hash of a text, as 16 hex digits, for naming cache entries and noticing a damaged one.
 * Not cryptographic: nothing trusts it alone. Every cache that names an entry with it also keeps
 * what the entry was made from and compares it exactly, so a collision is a miss, never a wrong
 * hit. It exists because loading node:crypto costs ~5 ms, a tenth of a whole `aiw run`, and a
 * start that reads only cached files should not pay that to name them.
 *
 * Two 32-bit lanes with different multipliers over the UTF-16 code units (cyrb53's scheme, with
 * both lanes kept whole), then a final mix of each lane with the other.
 */
export function contentHash(text: string): string {
  let h1 = 0xdeadbeef ^ text.length;
  let h2 = 0x41c6ce57 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return hex(h1) + hex(h2);
}

function hex(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}
