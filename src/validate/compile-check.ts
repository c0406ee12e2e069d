import vm from 'node:vm';
import type { CacheStore } from '../model/cache-store.js';
import { contentHash } from '../model/content-hash.js';

/**
 * Whether compute code compiles, asked once per distinct block. When every block of a skill
 * compiles, that verdict is kept in the cache (under a hash of the blocks and the Node version, whose
 * V8 decides what parses, holding the blocks themselves, which must match exactly), so the next run
 * of the same skill compiles none of them: a 1000-step skill is a thousand `vm.Script`s otherwise.
 * A block that does not compile is never remembered.
 */
export class CompileCheck {
  readonly #verdicts = new Map<string, string | null>();
  readonly #name?: string;
  readonly #material?: string;
  readonly #known: boolean;
  #failed = false;

  constructor(blocks: string[], private readonly store?: CacheStore) {
    if (!store || !blocks.length) {
      this.#known = false;
      return;
    }
    this.#material = `aiw compiles 2 ${process.version}\0${blocks.map((code) => `${code.length}:${code}\0`).join('')}`;
    this.#name = `${contentHash(this.#material)}.compiles`;
    this.#known = store.read(this.#name) === this.#material;
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
    this.store.write(this.#name, this.#material!);
  }
}
