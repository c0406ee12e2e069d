/**
 * A folder of cache entries by name (src/files/cache-store.ts). Everything in it can be rebuilt from
 * the files it was made from: a missing, unreadable or corrupt entry is a miss, and a failed write
 * only means the next run rebuilds it.
 */
export interface CacheStore {
  /** The entry's text, or undefined when there is none (or it cannot be read). */
  read(name: string): string | undefined;
  /** The entry's bytes (an entry that is not text, such as V8's code cache), or undefined. */
  readBytes(name: string): Buffer | undefined;
  /** Replace the entry as a whole (a reader sees the old content, the new content, or none). */
  write(name: string, content: string | Uint8Array): void;
}
