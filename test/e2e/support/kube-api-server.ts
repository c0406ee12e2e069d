import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MetricsMode } from './kube/discovery.js';
import {
  emptyCluster, type ClusterFixture, type DeploymentFixture, type EventFixture, type PodFixture,
} from './kube/fixtures.js';
import { statusFailure, unauthorized, type KubeResponse } from './kube/responses.js';
import { route } from './kube/router.js';
import { makeServingCert, type ServingCert } from './kube/tls.js';
import { closeServer, listen } from './listen.js';

export { DEFAULT_NAMESPACE } from './kube/fixtures.js';
export type {
  ClusterFixture, ContainerFixture, ContainerState, DeploymentFixture, EventFixture, PodFixture, PodPhase,
  RevisionFixture,
} from './kube/fixtures.js';
export type { MetricsMode } from './kube/discovery.js';

export interface KubeApiServerOptions {
  /** Where the serving certificate goes; a temporary folder (removed by `close()`) when omitted. */
  dir?: string;
  /** Fixed port; by default the first `start()` takes a free one and later starts reuse it. */
  port?: number;
  /** Bearer tokens accepted at first; default: one random token, see `tokens`. */
  tokens?: string[];
  cluster?: Partial<ClusterFixture>;
  /** 'available' (default), 'absent' (no metrics-server), 'unavailable' (metrics-server down: 503). */
  metrics?: MetricsMode;
}

export interface RequestRecord {
  method: string;
  /** Path and query, decoded, e.g. `/api/v1/namespaces/ns/events?fieldSelector=type=Warning`. */
  url: string;
  status: number;
}

const MAX_RECORDS = 1000;

/**
 * A Kubernetes API server that real `kubectl` talks to over TLS on 127.0.0.1: discovery, pods,
 * pod logs, events, deployments/replicasets (rollout history) and metrics.k8s.io (top), with
 * bearer-token auth. `stop()` closes the port (kubectl then sees "connection refused") and a
 * later `start()` listens on the same port again.
 */
export class KubeApiServer {
  readonly requests: RequestRecord[] = [];
  private cluster: ClusterFixture;
  private metrics: MetricsMode;
  private validTokens: Set<string>;
  private server: Server | undefined;
  private boundPort: number | undefined;

  private constructor(
    private readonly cert: ServingCert,
    private readonly ownedDir: string | undefined,
    options: KubeApiServerOptions,
  ) {
    this.cluster = { ...emptyCluster(), ...options.cluster };
    this.metrics = options.metrics ?? 'available';
    this.validTokens = new Set(options.tokens ?? [newToken()]);
    this.boundPort = options.port;
  }

  /** Makes the certificate; call `start()` to listen. */
  static async create(options: KubeApiServerOptions = {}): Promise<KubeApiServer> {
    const ownedDir = options.dir === undefined ? await mkdtemp(join(tmpdir(), 'aiw-kube-')) : undefined;
    const cert = await makeServingCert(options.dir ?? ownedDir ?? tmpdir());
    return new KubeApiServer(cert, ownedDir, options);
  }

  get port(): number {
    if (this.boundPort === undefined) throw new Error('KubeApiServer has no port yet: call start() first');
    return this.boundPort;
  }

  /** `https://127.0.0.1:PORT`, the kubeconfig `server:`. */
  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  /** The self-signed certificate, for the kubeconfig's `certificate-authority-data`. */
  get caCertPem(): string {
    return this.cert.certPem;
  }

  get running(): boolean {
    return this.server !== undefined;
  }

  /** Tokens accepted right now (a copy). */
  get tokens(): string[] {
    return [...this.validTokens];
  }

  async start(): Promise<void> {
    if (this.server !== undefined) return;
    const server = createServer({ cert: this.cert.certPem, key: this.cert.keyPem }, (req, res) => this.handle(req, res));
    this.boundPort = await listen(server, this.boundPort ?? 0);
    this.server = server;
  }

  /** Closes the port and drops open connections, so the next kubectl call is refused. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server !== undefined) await closeServer(server);
  }

  /** Stops and removes the temporary certificate folder. */
  async close(): Promise<void> {
    await this.stop();
    if (this.ownedDir !== undefined) await rm(this.ownedDir, { recursive: true, force: true });
  }

  setValidTokens(tokens: string[]): void {
    this.validTokens = new Set(tokens);
  }

  /** The token stops working: kubectl then gets a 401 and says it must log in. */
  expireToken(token: string): void {
    this.validTokens.delete(token);
  }

  /** A fresh valid token, as a login would hand out. */
  issueToken(): string {
    const token = newToken();
    this.validTokens.add(token);
    return token;
  }

  setCluster(cluster: Partial<ClusterFixture>): void {
    this.cluster = { ...emptyCluster(), ...cluster };
  }

  setPods(pods: PodFixture[]): void {
    this.cluster.pods = pods;
  }

  setEvents(events: EventFixture[]): void {
    this.cluster.events = events;
  }

  setDeployments(deployments: DeploymentFixture[]): void {
    this.cluster.deployments = deployments;
  }

  /** Sets the text `kubectl logs` returns for one container (`previous` for `--previous`). */
  setLogs(podName: string, containerName: string, text: string, options: { previous?: boolean } = {}): void {
    const pod = this.cluster.pods.find((p) => p.name === podName);
    if (pod !== undefined) pod.containers ??= [{ name: 'app' }];
    const container = pod?.containers?.find((c) => c.name === containerName);
    if (pod === undefined || container === undefined) {
      throw new Error(`setLogs: no container ${containerName} in pod ${podName}; add it with setPods first`);
    }
    if (options.previous === true) container.previousLogs = text;
    else container.logs = text;
  }

  setMetrics(mode: MetricsMode): void {
    this.metrics = mode;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    let response: KubeResponse;
    try {
      response = this.authorized(req)
        ? route(req.method ?? 'GET', url, {
          cluster: this.cluster, metrics: this.metrics, hostPort: `127.0.0.1:${this.port}`, accept: req.headers.accept,
        })
        : unauthorized();
    } catch (error) {
      // A bug in the fake must show up in the test output, not as a hang or a vague kubectl error.
      console.error('KubeApiServer failed on', req.url, error);
      response = statusFailure(500, 'InternalError', `fake API server error: ${String(error)}`);
    }
    this.record({ method: req.method ?? 'GET', url: readable(url.pathname + url.search), status: response.status });
    const body = response.text === true ? String(response.body) : JSON.stringify(response.body);
    res.writeHead(response.status, {
      'Content-Type': response.text === true ? 'text/plain' : 'application/json',
      'Cache-Control': 'no-cache, private',
    });
    res.end(body);
  }

  private authorized(req: IncomingMessage): boolean {
    const match = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    return match?.[1] !== undefined && this.validTokens.has(match[1]);
  }

  private record(entry: RequestRecord): void {
    if (this.requests.length >= MAX_RECORDS) this.requests.shift();
    this.requests.push(entry);
  }
}

/** Decoded for readable assertions; a malformed escape is kept as sent rather than failing the request. */
function readable(pathAndQuery: string): string {
  try {
    return decodeURIComponent(pathAndQuery);
  } catch (error) {
    if (error instanceof URIError) return pathAndQuery;
    throw error;
  }
}

function newToken(): string {
  return `aiw-e2e-${randomBytes(12).toString('hex')}`;
}
