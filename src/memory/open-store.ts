import { backendOf } from './backend-choice.js';
import { fileStore } from './file-store.js';
import type { MemoryStore } from './store.js';
import { tookPath } from '../model/code-paths.js';

export interface OpenStoreOptions {
  memoryDir: string;
  config: Record<string, unknown>;
  env: NodeJS.ProcessEnv;
  /** Things a user should know that are not problems (a spool delivered). */
  onNotice?: (message: string) => void;
}

/**
 * The project's memory store. The PostgreSQL store (and the `pg` client) is imported only when
 * selected, so a file-backed run loads nothing more than before.
 */
export async function openMemoryStore(options: OpenStoreOptions): Promise<MemoryStore> {
  const choice = backendOf(options.config, options.env);
  if (choice.backend === 'files') return fileStore(options.memoryDir);
  tookPath('memory:postgres');
  const { postgresStore } = await import('./postgres/pg-store.js');
  return postgresStore({ url: choice.url, memoryDir: options.memoryDir, env: options.env, onNotice: options.onNotice });
}
