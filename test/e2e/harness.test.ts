import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_NAMESPACE, KubeApiServer } from './support/kube-api-server.js';
import { startKubeControl, type KubeControl } from './support/kube-control.js';
import { errorRateIncident } from './support/kube-scenarios.js';
import { runKubectl, writeKubeconfig, type KubectlResult } from './support/kubectl.js';
import {
  addSilence, listAlerts, queryInstant, queryRange, startMonitoring, waitForFiringAlert,
  type AlertmanagerAlert, type Monitoring,
} from './support/prometheus.js';
import { requireBinaries } from './support/require-binaries.js';
import { pollUntil } from './support/wait.js';

const haveKube = requireBinaries(['kubectl', 'openssl'], 'e2e harness: Kubernetes API server');
const haveMonitoring = requireBinaries(['prometheus', 'alertmanager'], 'e2e harness: Prometheus/Alertmanager');

const CRASHING = 'analytics-api-7d9f8b6c5-x2k4p';

interface PodJson {
  metadata: { name: string };
  status: { containerStatuses: { restartCount: number; state: { waiting?: { reason: string } } }[] };
}

describe.skipIf(!haveKube)('the test Kubernetes API server, driven by the real kubectl', () => {
  let api: KubeApiServer;
  let control: KubeControl;
  let dir: string;
  let kubeconfig: string;
  let kubectl: (...args: string[]) => Promise<KubectlResult>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'aiw-harness-kube-'));
    api = await KubeApiServer.create({ cluster: errorRateIncident() });
    await api.start();
    control = await startKubeControl(api);
    kubeconfig = await writeKubeconfig(dir, {
      server: api.url, token: api.tokens[0] ?? '', caCertPem: api.caCertPem, namespace: DEFAULT_NAMESPACE,
    });
    kubectl = (...args) => runKubectl(args, { kubeconfig, cacheDir: join(dir, 'cache') });
  });

  afterAll(async () => {
    await control?.close();
    await api?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('lists the fixture pods with kubectl get pods -o json', async () => {
    const result = await kubectl('get', 'pods', '-o', 'json');

    expect(result.exitCode, result.stderr).toBe(0);
    const list = JSON.parse(result.stdout) as { items: PodJson[] };
    expect(list.items.map((p) => p.metadata.name)).toEqual([
      CRASHING, 'analytics-api-7d9f8b6c5-q8m2z', 'analytics-worker-5c6d7e8f9-h7j3k',
    ]);
    const status = list.items[0]?.status.containerStatuses[0];
    expect(status?.restartCount).toBe(7);
    expect(status?.state.waiting?.reason).toBe('CrashLoopBackOff');
  });

  it('prints the real pod table for plain kubectl get pods', async () => {
    const result = await kubectl('get', 'pods');

    expect(result.stdout).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/m);
    expect(result.stdout).toMatch(new RegExp(`^${CRASHING}\\s+0/1\\s+CrashLoopBackOff\\s+7 \\(\\S+ ago\\)\\s+60m$`, 'm'));
  });

  it('returns only Warning events for --field-selector type=Warning', async () => {
    const result = await kubectl('get', 'events', '--field-selector', 'type=Warning', '-o', 'json');

    expect(result.exitCode, result.stderr).toBe(0);
    const events = (JSON.parse(result.stdout) as { items: { reason: string; type: string }[] }).items;
    expect(events.map((e) => [e.type, e.reason])).toEqual([['Warning', 'BackOff'], ['Warning', 'Unhealthy']]);
    expect(api.requests.some((r) => r.url.includes('fieldSelector=type=Warning'))).toBe(true);
  });

  it('serves container logs with --tail and --previous', async () => {
    const tail = await kubectl('logs', CRASHING, '--tail=1');
    const previous = await kubectl('logs', CRASHING, '--previous');

    expect(tail.stdout).toBe('ERROR request failed: GET /api/v1/reports -> 500 Internal Server Error\n');
    expect(previous.stdout).toContain('CRITICAL worker exiting with code 1');
  });

  it('describes a pod with its state and its events', async () => {
    const result = await kubectl('describe', 'pod', CRASHING);

    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Reason:\s+CrashLoopBackOff/);
    expect(result.stdout).toMatch(/Restart Count:\s+7/);
    expect(result.stdout).toMatch(/Warning\s+BackOff\s+3\ds \(x23 over 3\ds\)\s+kubelet\s+Back-off restarting failed container api/);
  });

  it('shows the rollout history of a deployment from its replica sets', async () => {
    const result = await kubectl('rollout', 'history', 'deployment/analytics-api');

    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+release 3\.1\.0\n3\s+release 3\.2\.0: rotate db credentials/);
  });

  it('reports usage with kubectl top pods while metrics are available, and says so when they are not', async () => {
    const available = await kubectl('top', 'pods');
    api.setMetrics('absent');
    const absent = await kubectl('top', 'pods');
    api.setMetrics('unavailable');
    const unavailable = await kubectl('top', 'pods');
    api.setMetrics('available');

    expect(available.exitCode, available.stderr).toBe(0);
    expect(available.stdout).toMatch(/analytics-api-7d9f8b6c5-q8m2z\s+310m\s+410Mi/);
    expect(absent.exitCode).toBe(1);
    expect(absent.stderr.trim()).toBe('error: Metrics API not available');
    expect(unavailable.exitCode).toBe(1);
    expect(unavailable.stderr).toContain(
      'Error from server (ServiceUnavailable): the server is currently unable to handle the request',
    );
  });

  it('makes kubectl say it must log in, with exit code 1, once the token has expired', async () => {
    const token = api.issueToken();
    const ownConfig = await writeKubeconfig(join(dir, 'expiring'), {
      server: api.url, token, caCertPem: api.caCertPem, namespace: DEFAULT_NAMESPACE,
    });
    const run = (...args: string[]): Promise<KubectlResult> =>
      runKubectl(args, { kubeconfig: ownConfig, cacheDir: join(dir, 'expiring', 'cache') });
    expect((await run('get', 'pods', '-o', 'name')).exitCode).toBe(0);

    api.expireToken(token);
    const result = await run('get', 'pods', '-o', 'json');

    expect(result.exitCode).toBe(1);
    expect(result.stderr.trim()).toBe('error: You must be logged in to the server (Unauthorized)');
    expect(api.requests.at(-1)?.status).toBe(401);
  });

  it('words the 401 differently when kubectl has no discovery cache yet, as with a real cluster', async () => {
    const fresh = await writeKubeconfig(join(dir, 'fresh'), {
      server: api.url, token: 'never-issued', caCertPem: api.caCertPem, namespace: DEFAULT_NAMESPACE,
    });

    const result = await runKubectl(['get', 'pods'], { kubeconfig: fresh, cacheDir: join(dir, 'fresh', 'cache') });

    expect(result.exitCode).toBe(1);
    expect(result.stderr.trim().split('\n').at(-1)).toBe(
      'error: You must be logged in to the server (the server has asked for the client to provide credentials)',
    );
  });

  it('gives the real connection-refused text while the server is stopped, and works again after start', async () => {
    await api.stop();
    const down = await kubectl('get', 'pods', '-o', 'json');
    await api.start();
    const up = await kubectl('get', 'pods', '-o', 'name');

    expect(down.exitCode).toBe(1);
    expect(down.stderr).toContain(
      `The connection to the server 127.0.0.1:${api.port} was refused - did you specify the right host or port?`,
    );
    expect(up.exitCode, up.stderr).toBe(0);
  });

  it('brings the server up and logs in again through the fix commands a test hands to aiw', async () => {
    const sh = (command: string): Promise<{ stdout: string }> =>
      promisify(execFile)('sh', ['-c', command], { timeout: 20_000 });
    await api.stop();
    api.setValidTokens([]);

    const connected = await sh(control.commands.up);
    const loggedIn = await sh(control.commands.login(kubeconfig));
    const result = await kubectl('get', 'pods', '-o', 'name');

    expect(connected.stdout).toContain(`VPN connected: Kubernetes API ${api.url} is reachable`);
    expect(loggedIn.stdout).toContain(`Logged in as aiw-e2e; new token written to ${kubeconfig}`);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain(`pod/${CRASHING}`);
  });
});

describe.skipIf(!haveMonitoring)('real Prometheus and Alertmanager', () => {
  let monitoring: Monitoring;
  let alert: AlertmanagerAlert;
  let secondsToFiring: number;

  beforeAll(async () => {
    const started = Date.now();
    monitoring = await startMonitoring();
    try {
      alert = await waitForFiringAlert(monitoring.alertmanagerUrl, 'HighErrorRate', 30_000);
    } catch (error) {
      const logs = monitoring.logs();
      throw new Error(`${(error as Error).message}\nprometheus:\n${logs.prometheus}\nalertmanager:\n${logs.alertmanager}`);
    }
    secondsToFiring = (Date.now() - started) / 1000;
    console.info(`[harness] HighErrorRate firing in Alertmanager ${secondsToFiring.toFixed(1)} s after start`);
  });

  afterAll(async () => {
    await monitoring?.stop();
  });

  it('delivers the firing alert to Alertmanager with its severity and namespace labels', () => {
    expect(alert.labels).toMatchObject({
      alertname: 'HighErrorRate', severity: 'critical', namespace: DEFAULT_NAMESPACE,
    });
    expect(alert.annotations.summary).toBe(`High 5xx error rate in ${DEFAULT_NAMESPACE}`);
    expect(alert.generatorURL).toContain(monitoring.prometheusUrl);
    expect(secondsToFiring).toBeLessThan(20);
  });

  it('returns the rising 5xx series from query_range', async () => {
    const series = await queryRange(
      monitoring.prometheusUrl, `http_requests_total{namespace="${DEFAULT_NAMESPACE}",code="500"}`,
      { lastSeconds: 30, stepSeconds: 1 },
    );

    expect(series).toHaveLength(1);
    const values = series[0]?.values.map(([, v]) => Number(v)) ?? [];
    expect(values.length).toBeGreaterThanOrEqual(2);
    expect(values.at(-1)).toBeGreaterThan(values[0] ?? Infinity);
  });

  it('follows the exporter rate: the 5xx rate rises when the test raises it', async () => {
    const rateOf = async (): Promise<number> => {
      const [sample] = await queryInstant(monitoring.prometheusUrl, 'sum(rate(http_requests_total{code="500"}[5s]))');
      return Number(sample?.value[1] ?? 0);
    };
    monitoring.exporter.setRate('500', 50);

    const raised = await pollUntil(async () => ((await rateOf()) > 20 ? true : undefined), {
      timeoutMs: 15_000, what: 'the 5xx rate to follow the exporter',
    });

    expect(raised).toBe(true);
  });

  it('lists the alerting rule as firing in /api/v1/rules', async () => {
    const response = await fetch(`${monitoring.prometheusUrl}/api/v1/rules?type=alert`);
    const body = (await response.json()) as { data: { groups: { rules: { name: string; state: string }[] }[] } };

    expect(body.data.groups[0]?.rules[0]).toMatchObject({ name: 'HighErrorRate', state: 'firing' });
  });

  it('silences the alert through /api/v2/silences', async () => {
    const id = await addSilence(monitoring.alertmanagerUrl, {
      matchers: [{ name: 'alertname', value: 'HighErrorRate' }],
    });
    const [silenced] = await listAlerts(monitoring.alertmanagerUrl, ['alertname="HighErrorRate"']);

    expect(silenced?.status).toMatchObject({ state: 'suppressed', silencedBy: [id] });
  });

  it('leaves no process behind after stop', async () => {
    const { prometheus, alertmanager } = monitoring.pids;
    await monitoring.stop();

    const alive = (pid: number): boolean => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        // ESRCH: no such process.
        return false;
      }
    };
    expect(alive(prometheus)).toBe(false);
    expect(alive(alertmanager)).toBe(false);
    await expect(fetch(`${monitoring.prometheusUrl}/-/ready`)).rejects.toThrow();
  });
});
