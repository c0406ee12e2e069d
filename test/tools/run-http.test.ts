import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runHttp } from '../../src/tools/run-http.js';
import { aiw, tempRoot } from '../helpers/temp-root.js';

/** A real HTTP server on loopback that records what it was asked and answers with `handle`. */
interface Peer {
  server: Server;
  base: string;
  seen: Array<{ url: string; headers: IncomingHttpHeaders }>;
}

async function peer(handle: (url: string, res: ServerResponse) => void): Promise<Peer> {
  const seen: Peer['seen'] = [];
  const server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    handle(req.url ?? '', res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, seen, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const SECRET_HEADERS = { 'x-api-key': 'k-123', 'private-token': 'glpat-abc', authorization: 'Bearer t', cookie: 's=1', 'x-custom': 'c' };

let other: Peer;
let origin: Peer;
const stalls: ServerResponse[] = [];

beforeAll(async () => {
  other = await peer((_url, res) => res.end('{"landed": true}'));
  origin = await peer((url, res) => {
    if (url === '/away') return void res.writeHead(302, { location: `${other.base}/landing` }).end();
    if (url === '/away-307') return void res.writeHead(307, { location: `${other.base}/landing` }).end();
    if (url === '/here') return void res.writeHead(301, { location: '/final' }).end();
    if (url === '/loop') return void res.writeHead(302, { location: '/loop' }).end();
    if (url === '/slow-body') {
      // Headers and the start of the body now, the rest never: the body outlives the time limit.
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"partial": ');
      stalls.push(res);
      return;
    }
    res.end(JSON.stringify({ path: url }));
  });
});

afterAll(async () => {
  for (const res of stalls) res.destroy();
  for (const p of [origin, other]) {
    p.server.closeAllConnections();
    await new Promise((resolve) => p.server.close(resolve));
  }
});

describe('HTTP tools: redirects', () => {
  it('a redirect to another origin drops every configured header, not only Authorization and Cookie', async () => {
    other.seen.length = 0;
    const r = await runHttp({ method: 'GET', url: `${origin.base}/away`, headers: SECRET_HEADERS });
    expect(r.ok).toBe(true);
    expect(r.stdout).toBe('{"landed": true}');
    expect(other.seen).toHaveLength(1);
    for (const name of Object.keys(SECRET_HEADERS)) expect(other.seen[0]!.headers[name]).toBeUndefined();
  });

  it('a 307 to another origin resends the body with its content type and nothing else', async () => {
    other.seen.length = 0;
    const r = await runHttp({ method: 'POST', url: `${origin.base}/away-307`, headers: { ...SECRET_HEADERS, 'content-type': 'application/json' }, body: '{}' });
    expect(r.ok).toBe(true);
    expect(other.seen[0]!.headers['content-type']).toBe('application/json');
    expect(other.seen[0]!.headers['x-api-key']).toBeUndefined();
  });

  it('a redirect within the origin keeps the headers', async () => {
    origin.seen.length = 0;
    const r = await runHttp({ method: 'GET', url: `${origin.base}/here`, headers: SECRET_HEADERS });
    expect(r.ok).toBe(true);
    expect(origin.seen.map((s) => s.url)).toEqual(['/here', '/final']);
    expect(origin.seen[1]!.headers['x-api-key']).toBe('k-123');
  });

  it('an endless redirect loop ends as a failure of the call', async () => {
    const r = await runHttp({ method: 'GET', url: `${origin.base}/loop`, headers: {} });
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/more than 10 redirects/);
  });
});

describe('HTTP tools: a body still arriving at the time limit', () => {
  it('is a timeout, not an exception', async () => {
    const r = await runHttp({ method: 'GET', url: `${origin.base}/slow-body`, headers: {} }, { timeoutMs: 300 });
    expect(r.ok).toBe(false);
    expect(r.timedOut).toBe(true);
    expect(r.error).toMatch(/timed out after 300 ms/);
  });

  it('through aiw: classified as a timeout, recorded in the attempt log, no internal error', async () => {
    const root = tempRoot({
      'tools/t.yaml': `tools:\n  slow:\n    http: { url: "${origin.base}/slow-body" }\n    timeout: 300ms\n    parse: json\n`,
      'skills/s.yaml': 'name: s\nsteps:\n  - { name: call, tool: slow, on_error: auto_heal, retry: { max_attempts: 1 } }\n',
    });
    const r = await aiw(['run', 's', '--json'], { root: root.dir });
    expect(r.stderr).not.toMatch(/internal error/);
    // auto_heal goes on past the failed step: the run is partial, exit 0.
    expect(r.code).toBe(0);
    const step = r.json<{ steps: Array<{ status: string; classification?: { class: string } }> }>().steps[0]!;
    expect(step.status).toBe('failed');
    expect(step.classification?.class).toBe('timeout');
    expect(readFileSync(root.path('memory/learned/tool_failures.yaml'), 'utf8')).toMatch(/slow[\s\S]*timeout/);
  });
});

describe('HTTP tools: path params', () => {
  it('are encoded as one path segment: ../ and ? cannot change the path', async () => {
    const root = tempRoot({
      'tools/t.yaml': `tools:\n  pods:\n    http: { url: "{{ base }}/api/v1/namespaces/{{ ns }}/pods?label={{ label }}" }\n    params: { base: {}, ns: {}, label: {} }\n`,
    });
    origin.seen.length = 0;
    const r = await aiw(['tool', 'pods', '-a', `base=${origin.base}`, '-a', 'ns=../../../../admin/secrets?x=', '-a', 'label=a&admin=1'], { root: root.dir });
    expect(r.code).toBe(0);
    expect(origin.seen[0]!.url).toBe('/api/v1/namespaces/..%2F..%2F..%2F..%2Fadmin%2Fsecrets%3Fx%3D/pods?label=a%26admin%3D1');
  });

  it('a value that is a whole dot segment is refused before any request', async () => {
    const root = tempRoot({ 'tools/t.yaml': `tools:\n  pods:\n    http: { url: "{{ base }}/api/{{ ns }}/pods" }\n    params: { base: {}, ns: {} }\n` });
    origin.seen.length = 0;
    const r = await aiw(['tool', 'pods', '-a', `base=${origin.base}`, '-a', 'ns=..'], { root: root.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/'\.\.' segment/);
    expect(origin.seen).toHaveLength(0);
  });
});
