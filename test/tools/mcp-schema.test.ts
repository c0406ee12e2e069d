import { mkdirSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { paramsFromSchema } from '../../src/tools/mcp/schema-params.js';
import { cacheFile, describeAge, readCachedList, writeCachedList } from '../../src/tools/mcp/tool-list-cache.js';
import type { McpServerSpec } from '../../src/model/tool.js';
import { parseListen } from '../../src/cli/commands/mcp.js';
import { inputsSchema } from '../../src/mcp/catalog.js';
import { tempRoot } from '../helpers/temp-root.js';

const spec = (over: Partial<McpServerSpec> = {}): McpServerSpec => ({ name: 'srv', command: ['srv', '--stdio'], location: { file: 'tools/x.yaml', line: 2 }, ...over });

describe('params from an MCP input schema', () => {
  it('keeps each property with its type, description, enum, default and required flag', () => {
    expect(paramsFromSchema({
      type: 'object',
      properties: {
        path: { type: 'string', description: 'where' },
        head: { type: 'number', default: 10 },
        mode: { type: 'string', enum: ['a', 'b'] },
        either: { anyOf: [{ type: 'string' }, { type: 'number' }] },
        list: { type: ['string', 'null'] },
      },
      required: ['path'],
    })).toEqual({
      path: { type: 'string', description: 'where', required: true },
      head: { type: 'number', default: 10 },
      mode: { type: 'string', enum: ['a', 'b'] },
      either: {},
      list: {},
    });
  });

  it('gives a tool without an input schema no params', () => {
    expect(paramsFromSchema(undefined)).toEqual({});
    expect(paramsFromSchema({ type: 'object' })).toEqual({});
  });

  it('builds a skill input schema the other way: required only when there is no default', () => {
    expect(inputsSchema([{ name: 'a', type: 'string', required: true }, { name: 'b', type: 'integer', required: true, default: 2 }])).toEqual({
      type: 'object', properties: { a: { type: 'string' }, b: { type: 'integer', default: 2 } }, required: ['a'],
    });
  });
});

describe('the cached tool list', () => {
  it('is read back for the same declaration only', async () => {
    const root = tempRoot();
    const dir = root.path('memory/.cache');
    await writeCachedList(dir, spec(), [{ name: 'echo', inputSchema: { type: 'object' } }], new Date('2026-01-01T00:00:00Z'));
    expect(await readCachedList(dir, spec())).toMatchObject({ server: 'srv', fetched_at: '2026-01-01T00:00:00.000Z', tools: [{ name: 'echo' }] });
    expect(await readCachedList(dir, spec({ command: ['srv', '--other'] }))).toBeUndefined();
    expect(await readCachedList(dir, spec({ name: 'none' }))).toBeUndefined();
  });

  it('treats a broken cache as no cache (the server is asked again)', async () => {
    const root = tempRoot();
    const dir = root.path('memory/.cache');
    mkdirSync(root.path('memory/.cache/mcp'), { recursive: true });
    writeFileSync(cacheFile(dir, 'srv'), '{"server": "srv", "tools": [');
    expect(await readCachedList(dir, spec())).toBeUndefined();
  });

  it('says how old it is in words', () => {
    const now = Date.parse('2026-01-10T12:00:00Z');
    expect(describeAge('2026-01-10T11:59:59Z', now)).toBe('1 second');
    expect(describeAge('2026-01-10T11:00:00Z', now)).toBe('60 minutes');
    expect(describeAge('2026-01-10T06:00:00Z', now)).toBe('6 hours');
    expect(describeAge('2026-01-01T12:00:00Z', now)).toBe('9 days');
  });
});

describe('aiw mcp --http', () => {
  it('takes HOST:PORT, [IPv6]:PORT or a bare port on loopback, and refuses anything else with exit 2', () => {
    expect(parseListen('127.0.0.1:8765')).toEqual({ host: '127.0.0.1', port: 8765 });
    expect(parseListen('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(parseListen('9000')).toEqual({ host: '127.0.0.1', port: 9000 });
    expect(() => parseListen('localhost')).toThrow(/--http must be HOST:PORT/);
    expect(() => parseListen('h:70000')).toThrow(/--http must be HOST:PORT/);
  });
});
