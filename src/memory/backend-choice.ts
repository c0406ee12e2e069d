import { AiwError } from '../errors/errors.js';
import { addSecrets } from '../secrets/redact.js';

// Kept apart from open-store.ts so a session can check the choice (and mask the URL) at start-up
// without loading any store.

/** Which backend a project's memory uses, and the database URL when it is PostgreSQL. */
export type BackendChoice = { backend: 'files' } | { backend: 'postgres'; url: string; from: string };

export const MEMORY_URL_ENV = 'AIW_MEMORY_URL';

/**
 * `memory.backend: postgres` in aiw.config.yaml, or `AIW_MEMORY_URL=postgres://…` alone, selects
 * PostgreSQL; the URL always comes from the environment (`memory.url_env` names another variable),
 * so a password never sits in a committed file. Anything else is the files, as before.
 */
export function backendOf(config: Record<string, unknown>, env: NodeJS.ProcessEnv): BackendChoice {
  const section = (config.memory ?? {}) as { backend?: string; url_env?: string };
  const from = section.url_env ?? MEMORY_URL_ENV;
  const url = env[from]?.trim();
  if (section.backend === 'files' || (section.backend === undefined && !url)) return { backend: 'files' };
  if (!url) {
    throw new AiwError('CONFIG', `memory.backend is postgres but $${from} is not set`, {
      hint: `export ${from}=postgres://user:password@host:5432/dbname (add ?sslmode=require for TLS)`,
    });
  }
  // The whole URL and its password are secrets wherever they might be printed, from here on.
  addSecrets([url, passwordOf(url)]);
  if (!/^postgres(?:ql)?:\/\//i.test(url)) {
    throw new AiwError('CONFIG', `$${from} must be a postgres:// or postgresql:// URL`, { hint: 'e.g. postgres://aiw@db.example.com:5432/aiw?sslmode=require' });
  }
  return { backend: 'postgres', url, from };
}

function passwordOf(url: string): string | undefined {
  try {
    const password = decodeURIComponent(new URL(url).password);
    return password || undefined;
  } catch {
    // Not a URL the WHATWG parser takes (pg accepts more); the whole string is registered anyway.
    return undefined;
  }
}

