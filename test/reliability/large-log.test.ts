import { existsSync, openSync, writeSync, closeSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordFigure } from './support/figures.js';
import { AIW_BIN, runCommand } from './support/processes.js';
import { scratch, type Scratch } from './support/scratch.js';

/**
 * Promise: `aiw memory stats` reads an attempt log of any size in bounded memory. A 50 MB log in
 * the seed's block layout (about 300,000 entries) is streamed: peak memory (max RSS, GNU time) stays
 * within twice that of the same command on an empty memory. Before: 658 MB (10x); the time it took
 * is a bench figure (docs/reliability.md), not asserted here.
 */
const TIME = '/usr/bin/time';
const MB = 1024 * 1024;
const TOOLS = ['kubectl_get_pods', 'gitlab_mr_list', 'bonfire_deploy', 'jira_search', 'quay_check'];

let big: Scratch;
let empty: Scratch;
let entries = 0;

beforeAll(() => {
  big = scratch('large-log');
  empty = scratch('empty-log');
  big.write('memory/learned/.keep', '');
  const fd = openSync(big.path('memory/learned/tool_failures.yaml'), 'w');
  try {
    writeSync(fd, 'failures:\n');
    let size = 0;
    const chunk: string[] = [];
    for (; size < 50 * MB; entries++) {
      const n = entries;
      const entry = `  - tool: ${TOOLS[n % 5]}\n    error: "${n % 3 ? 'No route to host' : '401 Unauthorized'}"\n    fix_attempted: ${n % 4 ? '"vpn_connect"' : 'null'}\n    success: ${n % 2 ? 'true' : 'false'}\n    timestamp: "2026-01-${String(1 + (n % 28)).padStart(2, '0')}T10:30:00"\n    skill: "investigate_alert"\n\n`;
      chunk.push(entry);
      size += entry.length;
      if (chunk.length === 10_000) writeSync(fd, chunk.splice(0).join(''));
    }
    writeSync(fd, chunk.join(''));
  } finally {
    closeSync(fd);
  }
});

afterAll(() => {
  big?.remove();
  empty?.remove();
});

async function statsOf(root: Scratch): Promise<{ code: number | null; doc: { stats: { entries: number; totals: { failed_calls: number } }; warnings: string[] }; maxRssKb: number }> {
  const p = await runCommand(TIME, ['-f', 'maxrss=%M', process.execPath, AIW_BIN, '--root', root.dir, 'memory', 'stats', '--json'], { timeoutMs: 300_000 });
  const m = /maxrss=(\d+)\s*$/.exec(p.stderr);
  expect(m, `GNU time output in: ${p.stderr.slice(-300)}`).not.toBeNull();
  expect(p.hung).toBe(false);
  return { code: p.code, doc: JSON.parse(p.stdout), maxRssKb: Number(m![1]) };
}

describe.skipIf(!existsSync(TIME))('memory stats on a 50 MB seed-format log', () => {
  it('counts every entry, in at most twice the memory of an empty run', async () => {
    const base = await statsOf(empty);
    const large = await statsOf(big);
    expect(large.code).toBe(0);
    expect(large.doc.warnings).toEqual([]);
    expect(large.doc.stats.entries).toBe(entries);
    expect(large.doc.stats.totals.failed_calls).toBe(entries);
    expect(large.maxRssKb).toBeLessThanOrEqual(2 * base.maxRssKb);
    recordFigure('large-log.stats', { mb: 50, entries, max_rss_mb: Math.round(large.maxRssKb / 1024), empty_rss_mb: Math.round(base.maxRssKb / 1024) });
  }, 400_000);
});
