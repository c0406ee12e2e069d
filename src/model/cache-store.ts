/**
 * A folder of cache entries by name (src/files/cache-store.ts). Everything in it can be rebuilt from
 * the files it was made from: a missing, unreadable or corrupt entry is a miss, and a failed write
 * only means the next run rebuilds it.
 */
export interface CacheStore {
  /** The entry's text, or undefined when there is none (or it cannot be read). */
  read(name: string): string | undefined;
  /** Replace the entry as a whole (a reader sees the old text, the new text, or none). */
  write(name: string, text: string): void;
}
