import { describe, expect, it } from 'vitest';
import { backendOf } from '../../src/memory/backend-choice.js';
import { openMemoryStore } from '../../src/memory/open-store.js';
import { redact } from '../../src/secrets/redact.js';
import { aiw, tempRoot } from '../helpers/temp-root.js';

describe('choosing the memory backend', () => {
  it('keeps the files when nothing selects PostgreSQL', async () => {
    expect(backendOf({}, {})).toEqual({ backend: 'files' });
    const store = await openMemoryStore({ memoryDir: '/tmp/m', config: {}, env: {} });
    expect(store.backend).toBe('files');
    expect(store.fixesLocation).toBe('/tmp/m/learned/tool_fixes.yaml');
  });

  it('selects PostgreSQL by AIW_MEMORY_URL alone, and masks the URL and its password from then on', () => {
    const url = 'postgres://aiw:S3cr3t-pw%21@db.example.com:5432/aiw?sslmode=require';
    expect(backendOf({}, { AIW_MEMORY_URL: url })).toMatchObject({ backend: 'postgres', url, from: 'AIW_MEMORY_URL' });
    expect(redact(`connecting to ${url} failed`)).toBe('connecting to *** failed');
    expect(redact('the password is S3cr3t-pw!')).toBe('the password is ***');
  });

  it('reads the URL from the variable memory.url_env names, and keeps the files when the config says files', () => {
    expect(backendOf({ memory: { backend: 'postgres', url_env: 'TEAM_DB' } }, { TEAM_DB: 'postgresql://h/db' })).toMatchObject({ backend: 'postgres', from: 'TEAM_DB' });
    expect(backendOf({ memory: { backend: 'files' } }, { AIW_MEMORY_URL: 'postgres://h/db' })).toEqual({ backend: 'files' });
  });

  it('refuses a postgres choice without a URL, or with a URL of another kind (CONFIG, exit 2)', () => {
    expect(() => backendOf({ memory: { backend: 'postgres' } }, {})).toThrow(expect.objectContaining({ code: 'CONFIG', message: expect.stringContaining('$AIW_MEMORY_URL') }));
    expect(() => backendOf({}, { AIW_MEMORY_URL: 'mysql://h/db' })).toThrow(expect.objectContaining({ code: 'CONFIG' }));
  });

  it('accepts the memory section in aiw.config.yaml, and names a wrong backend at its line', async () => {
    const good = tempRoot({ 'aiw.config.yaml': 'memory:\n  backend: files\n' });
    expect((await aiw(['validate'], { root: good.dir })).code).toBe(0);
    const bad = tempRoot({ 'aiw.config.yaml': 'memory:\n  backend: mongo\n' });
    const res = await aiw(['validate'], { root: bad.dir });
    expect(res.code).toBe(2);
    expect(res.stdout + res.stderr).toMatch(/aiw\.config\.yaml:2:\d+/);
  });

  it('says the memory commands need the PostgreSQL backend when memory is in files (exit 2)', async () => {
    const root = tempRoot();
    const res = await aiw(['memory', 'sync'], { root: root.dir });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('PostgreSQL backend');
  });
});
