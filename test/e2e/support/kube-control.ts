import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { KubeApiServer } from './kube-api-server.js';
import { closeServer, listen } from './listen.js';

/** The script that fix commands run: `node KUBE_CONTROL_SCRIPT up|down|login`. */
export const KUBE_CONTROL_SCRIPT = fileURLToPath(new URL('./bin/kube-control.mjs', import.meta.url));

/** Environment variable that tells the script where the control endpoint is. */
export const KUBE_CONTROL_ENV = 'AIW_E2E_KUBE_CONTROL';

export interface KubeControl {
  /** `http://127.0.0.1:PORT`; pass it as `--control` or in the `AIW_E2E_KUBE_CONTROL` env var. */
  url: string;
  /** Shell-ready commands for a test's tool config (paths quoted for POSIX sh). */
  commands: { up: string; down: string; login: (kubeconfig: string) => string };
  close(): Promise<void>;
}

/**
 * A loopback control endpoint for a KubeApiServer, so that a command run by aiw (a
 * `vpn_connect` fix, a `login` fix) can change the server's state the way a VPN or an SSO login
 * would, while the server stays in the test process: no detached process to clean up.
 *
 * POST /up     start the API server again (same port)       -> 200 "<api url>"
 * POST /down   stop it (kubectl then gets connection refused) -> 200
 * POST /token  issue a new valid bearer token                -> 200 "<token>"
 * GET  /status                                               -> 200 {"running":bool,"url":...}
 */
export async function startKubeControl(api: KubeApiServer): Promise<KubeControl> {
  const server = createServer((req, res) => {
    const reply = (status: number, body: string): void => {
      res.writeHead(status, { 'Content-Type': 'text/plain' });
      res.end(body);
    };
    const act = async (): Promise<string> => {
      const what = `${req.method ?? 'GET'} ${req.url ?? '/'}`;
      switch (what) {
        case 'POST /up': await api.start(); return api.url;
        case 'POST /down': await api.stop(); return api.url;
        case 'POST /token': return api.issueToken();
        case 'GET /status': return JSON.stringify({ running: api.running, url: api.url });
        default: throw Object.assign(new Error(`unknown control request ${what}`), { status: 404 });
      }
    };
    act().then(
      (body) => reply(200, body),
      (error: Error & { status?: number }) => reply(error.status ?? 500, error.message),
    );
  });
  const port = await listen(server, 0);
  const url = `http://127.0.0.1:${port}`;
  const script = `node ${shellQuote(KUBE_CONTROL_SCRIPT)}`;
  return {
    url,
    commands: {
      up: `${script} up --control ${url}`,
      down: `${script} down --control ${url}`,
      login: (kubeconfig) => `${script} login --control ${url} --kubeconfig ${shellQuote(kubeconfig)}`,
    },
    close: () => closeServer(server),
  };
}

function shellQuote(value: string): string {
  return /^[\w./:=@-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
