import { createHash } from 'node:crypto';
import vm from 'node:vm';
import type { CacheStore } from '../model/cache-store.js';

/**
 * Whether compute code compiles, asked once per distinct block. When every block of a skill
 * compiles, that verdict is kept in the cache (under a digest of the blocks and the Node version, whose
 * V8 decides what parses), so the next run of the same skill compiles none of them: a 1000-step skill
 * is a thousand `vm.Script`s otherwise. A block that does not compile is never remembered.
 */
export class CompileCheck {
  readonly #verdicts = new Map<string, string | null>();
  readonly #name?: string;
  readonly #known: boolean;
  #failed = false;

  constructor(blocks: string[], private readonly store?: CacheStore) {
    if (!store || !blocks.length) {
      this.#known = false;
      return;
    }
    const hash = createHash('sha256').update(`aiw compiles 1 ${process.version}\0`);
    for (const code of blocks) hash.update(`${code.length}:${code}\0`);
    this.#name = `${hash.digest('hex')}.compiles`;
    this.#known = store.read(this.#name) === this.#name;
  }

  /** The compile error's message, or null when `code` compiles. */
  error(code: string, file: string, line: number): string | null {
    if (this.#known) return null;
    let verdict = this.#verdicts.get(code);
    if (verdict === undefined) {
      try {
        // Wrapped in a function, as the sandbox runs it: a `return` at the top level is fine.
        new vm.Script(`(function () { ${code}\n})`, { filename: file, lineOffset: line - 1 });
        verdict = null;
      } catch (err) {
        verdict = err instanceof Error ? err.message : String(err);
        this.#failed = true;
      }
      this.#verdicts.set(code, verdict);
    }
    return verdict;
  }

  /** Remember that every block compiled (after all were asked). */
  finish(): void {
    if (this.#known || this.#failed || !this.#name || !this.store) return;
    this.store.write(this.#name, this.#name);
  }
}
