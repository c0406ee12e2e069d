import { createServer } from 'node:http';
import { closeServer, listen } from '../listen.js';

/**
 * A tiny application that Prometheus scrapes: `http_requests_total{namespace,code}` counters
 * in the text exposition format, rising at rates the test sets (requests per second). The value
 * is integrated from the rates at scrape time, so a rate change shows in `rate()` at once.
 */
export interface ErrorExporter {
  /** `127.0.0.1:PORT`, the scrape target. */
  target: string;
  /** `http://127.0.0.1:PORT/metrics`. */
  url: string;
  /** Sets how fast the counter for this status code rises, e.g. `setRate('500', 5)`. */
  setRate(code: string, perSecond: number): void;
  /** How many times /metrics was read (Prometheus scrapes once a second). */
  readonly scrapes: number;
  close(): Promise<void>;
}

export interface ExporterOptions {
  namespace: string;
  /** Initial rates by status code; default `{ '200': 20, '500': 2 }`. */
  rates?: Record<string, number>;
}

interface Counter {
  perSecond: number;
  value: number;
  since: number;
}

export async function startErrorExporter(options: ExporterOptions): Promise<ErrorExporter> {
  const counters = new Map<string, Counter>();
  let scrapes = 0;
  const advance = (now: number): void => {
    for (const c of counters.values()) {
      c.value += (c.perSecond * (now - c.since)) / 1000;
      c.since = now;
    }
  };
  const setRate = (code: string, perSecond: number): void => {
    const now = Date.now();
    advance(now);
    const counter = counters.get(code) ?? { perSecond, value: 0, since: now };
    counter.perSecond = perSecond;
    counters.set(code, counter);
  };
  for (const [code, rate] of Object.entries(options.rates ?? { '200': 20, '500': 2 })) setRate(code, rate);

  const ns = options.namespace.replace(/["\\]/g, '\\$&');
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end('not found\n');
      return;
    }
    scrapes++;
    advance(Date.now());
    const lines = [
      '# HELP http_requests_total Total HTTP requests served, by status code.',
      '# TYPE http_requests_total counter',
      ...[...counters].map(([code, c]) => `http_requests_total{namespace="${ns}",code="${code}"} ${c.value.toFixed(3)}`),
    ];
    res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
    res.end(`${lines.join('\n')}\n`);
  });
  const port = await listen(server, 0);
  return {
    target: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}/metrics`,
    setRate,
    get scrapes() {
      return scrapes;
    },
    close: () => closeServer(server),
  };
}
