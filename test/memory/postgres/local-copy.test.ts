import { describe, expect, it } from 'vitest';
import { Database } from '../../../src/memory/postgres/connection.js';
import { withLocalCopy, type CopySource, type Revisions } from '../../../src/memory/postgres/local-copy.js';
import { writeCache } from '../../../src/memory/memory-cache-file.js';
import { columnsOf } from '../../../src/memory/memory-cache.js';
import type { Built } from '../../../src/memory/cache-table.js';
import { tempRoot } from '../../helpers/temp-root.js';

interface Row { line: number; tool_name: string; error_pattern: string }

const source: CopySource<Row> = {
  name: 'fixes',
  changedSince: async () => ({ rows: [], extra: null }),
  toolOf: (e) => e.tool_name,
  patternOf: (e) => e.error_pattern,
};

describe('a local copy of a memory table', () => {
  it('starts its lookup a turn after the database is asked, so the connection gets going first', async () => {
    const file = tempRoot().path('pg-copy-fixes.cache');
    const built: Built<Row> = { entries: [{ line: 1, tool_name: 'kubectl', error_pattern: 'connection refused' }], tool: ['kubectl'], pattern: ['connection refused'], warnings: [] };
    await writeCache(file, { size: 7, mtimeMs: 0, ino: 0 }, null, built, columnsOf(built));
    // No server is reached: the copy is at the revision the database reports.
    const db = new Database({ url: 'postgres://aiw@127.0.0.1:9/none' });
    const order: string[] = [];
    // What a database does with the event loop: its answer comes in a later turn.
    const revisions = (): Promise<Revisions> => {
      order.push('asked');
      return new Promise((resolve) => setImmediate(() => {
        order.push('answer');
        resolve({ fixes: 7, patterns: 0 });
      }));
    };
    const got = await withLocalCopy(db, file, source, revisions, async (table) => {
      order.push('lookup');
      return (await table.read(table.rowsOf('kubectl')))[0]?.error_pattern;
    });
    expect(got).toEqual({ value: 'connection refused', cacheWarning: undefined });
    // A lookup run at once would hold the thread before the database's first turn.
    expect(order).toEqual(['asked', 'answer', 'lookup']);
  });
});
