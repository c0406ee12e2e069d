import { resolve } from 'node:path';
import { AiwError, EXIT, errorMessage } from '../../errors/errors.js';
import { backendOf } from '../../memory/backend-choice.js';
import { openProject } from '../../project/project.js';
import { addSecretsFromEnv, redact, redactValue } from '../../secrets/redact.js';
import type { GlobalOptions } from '../../session/session.js';
import type { Io } from '../io.js';

export interface MemoryAdminOptions extends GlobalOptions {
  json?: boolean;
  to?: string;
  from?: string;
  force?: boolean;
}

export type AdminAction = 'migrate' | 'sync' | 'export' | 'import';

/**
 * `aiw memory migrate|sync|export|import`: the PostgreSQL backend's housekeeping. Each needs that
 * backend (memory.backend: postgres, or $AIW_MEMORY_URL); with the files there is nothing to do.
 */
export async function memoryAdminCommand(action: AdminAction, opts: MemoryAdminOptions, io: Io): Promise<number> {
  addSecretsFromEnv(io.env);
  const project = await openProject({ root: opts.root, memoryDir: opts.memoryDir, cwd: io.cwd, env: io.env });
  const choice = backendOf(project.config, io.env);
  if (choice.backend !== 'postgres') {
    throw new AiwError('USAGE', `aiw memory ${action} works on the PostgreSQL backend, and this project's memory is in files (${project.memoryDir})`, {
      hint: 'set memory.backend: postgres in aiw.config.yaml and AIW_MEMORY_URL=postgres://…',
    });
  }
  const { postgresStore } = await import('../../memory/postgres/pg-store.js');
  const notes: string[] = [];
  const store = postgresStore({ url: choice.url, memoryDir: project.memoryDir, env: io.env, onNotice: (n) => notes.push(n) });
  const out = (doc: Record<string, unknown>, text: string) => {
    if (!opts.json) for (const n of notes) io.stderr.write(`aiw: note: ${redact(n)}\n`);
    io.stdout.write(opts.json ? `${JSON.stringify(redactValue({ database: store.location, ...doc }))}\n` : `${redact(text)}\n`);
  };
  try {
    switch (action) {
      case 'migrate': {
        const { from, to } = await wrapped(store.location, () => store.db.migrate());
        out({ from, to }, from === to ? `${store.location}: schema is current (version ${to})` : `${store.location}: schema migrated from version ${from} to ${to}`);
        return EXIT.ok;
      }
      case 'sync': {
        const result = await wrapped(store.location, () => store.sync(), store.spoolFile);
        out(result, `${store.location}: delivered ${result.delivered} spooled entr${result.delivered === 1 ? 'y' : 'ies'}; ${result.waiting} waiting${result.rejected ? `; ${result.rejected} unreadable line(s) moved to ${store.spoolFile}.rejected` : ''}`);
        return EXIT.ok;
      }
      case 'export': {
        if (!opts.to) throw new AiwError('USAGE', 'aiw memory export needs --to <dir> (the memory folder to write learned/*.yaml into)');
        const { exportMemory } = await import('../../memory/postgres/transfer.js');
        const to = resolve(io.cwd, opts.to);
        const counts = await wrapped(store.location, () => exportMemory(store, to, opts.force ?? false));
        out({ to, ...counts }, `exported ${counts.fixes} fixes, ${counts.patterns} patterns and ${counts.attempts} attempts from ${store.location} to ${to}/learned/`);
        return EXIT.ok;
      }
      case 'import': {
        const { importMemory } = await import('../../memory/postgres/transfer.js');
        const from = opts.from ? resolve(io.cwd, opts.from) : project.memoryDir;
        const counts = await wrapped(store.location, () => importMemory(store, from));
        for (const w of counts.warnings) io.stderr.write(`aiw: warning: ${redact(w)}\n`);
        out({ from, ...counts }, `imported ${counts.fixes} fixes, ${counts.patterns} patterns and ${counts.attempts} new attempts (${counts.skipped ?? 0} already there) from ${from}/learned/ into ${store.location}`);
        return EXIT.ok;
      }
    }
  } finally {
    await store.close();
  }
}

/** Database errors as MEMORY_WRITE (exit 1) naming the database, never its password. */
async function wrapped<T>(location: string, fn: () => Promise<T>, spool?: string): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof AiwError) throw err;
    throw new AiwError('MEMORY_WRITE', `memory database ${location}: ${redact(errorMessage(err))}`, {
      cause: err, hint: spool ? `the spool ${spool} is kept; run aiw memory sync again when the database can be reached` : undefined,
    });
  }
}
