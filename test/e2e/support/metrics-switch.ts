import { createServer } from 'node:http';
import type { KubeApiServer } from './kube-api-server.js';
import { closeServer, listen } from './listen.js';

export interface MetricsSwitch {
  /** `http://127.0.0.1:PORT/metrics/on`: POST here and the metrics API comes back. */
  onUrl: string;
  /** How many times the metrics API was turned on through the switch. */
  readonly turnedOn: number;
  close(): Promise<void>;
}

/**
 * A loopback endpoint that turns the test cluster's metrics API on, standing in for "restart
 * metrics-server": the remedy a person teaches aiw with `aiw learn-fix --remedy-tool`, so that the
 * next `kubectl top pods` failure heals itself.
 */
export async function startMetricsSwitch(api: KubeApiServer): Promise<MetricsSwitch> {
  let turnedOn = 0;
  const server = createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/metrics/on') {
      api.setMetrics('available');
      turnedOn++;
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('metrics API available\n');
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end(`unknown request ${req.method ?? 'GET'} ${req.url ?? '/'}\n`);
  });
  const port = await listen(server, 0);
  return {
    onUrl: `http://127.0.0.1:${port}/metrics/on`,
    get turnedOn() {
      return turnedOn;
    },
    close: () => closeServer(server),
  };
}
