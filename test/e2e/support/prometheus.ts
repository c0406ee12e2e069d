import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_NAMESPACE } from './kube/fixtures.js';
import { freePort } from './listen.js';
import {
  HIGH_ERROR_RATE_RULE, writeAlertmanagerConfig, writePrometheusConfig, writeRules, type AlertRule,
} from './monitoring/configs.js';
import { spawnDaemon, waitUntilReady, type Daemon } from './monitoring/daemon.js';
import { startErrorExporter, type ErrorExporter } from './monitoring/exporter.js';
import { ALERTMANAGER_BIN, PROMETHEUS_BIN } from './require-binaries.js';

export {
  addSilence, listAlerts, queryInstant, queryRange, waitForFiringAlert,
  type AlertmanagerAlert, type InstantSample, type RangeSeries, type SilenceMatcher,
} from './monitoring/api.js';
export { HIGH_ERROR_RATE_RULE, type AlertRule } from './monitoring/configs.js';
export type { ErrorExporter } from './monitoring/exporter.js';

export interface MonitoringOptions {
  /** The `namespace` label of the exported series; default 'tower-analytics-stage'. */
  namespace?: string;
  /** Requests per second by status code; default `{ '200': 20, '500': 2 }` (the alert fires). */
  rates?: Record<string, number>;
  /** Alerting rules; default `[HIGH_ERROR_RATE_RULE]`. */
  rules?: AlertRule[];
  /** The scrape job name (the `job` label); default 'tower-analytics'. */
  job?: string;
  /** Per program; default 20 s. */
  readyTimeoutMs?: number;
}

export interface Monitoring {
  /** `http://127.0.0.1:PORT` of the real Prometheus. */
  prometheusUrl: string;
  /** `http://127.0.0.1:PORT` of the real Alertmanager. */
  alertmanagerUrl: string;
  /** The scraped application: change its rates to change the series and the alert. */
  exporter: ErrorExporter;
  /** Process ids, so a test can check that nothing is left after `stop()`. */
  pids: { prometheus: number; alertmanager: number };
  /** Recent output of both programs, for failure messages. */
  logs(): { prometheus: string; alertmanager: string };
  /** Kills both programs, closes the exporter and removes the data folders. Safe to call twice. */
  stop(): Promise<void>;
}

const START_ATTEMPTS = 3;

/**
 * Starts a real Alertmanager and a real Prometheus on free loopback ports with temporary data
 * folders; Prometheus scrapes a test exporter every second and evaluates the alerting rules
 * every second. The first alert reaches Alertmanager about 8 s after the start (see configs.ts).
 */
export async function startMonitoring(options: MonitoringOptions = {}): Promise<Monitoring> {
  const dir = await mkdtemp(join(tmpdir(), 'aiw-monitoring-'));
  const daemons: Daemon[] = [];
  let exporter: ErrorExporter | undefined;
  const stop = async (): Promise<void> => {
    await Promise.all(daemons.map((d) => d.stop()));
    await exporter?.close();
    exporter = undefined;
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const readyTimeout = options.readyTimeoutMs ?? 20_000;
    exporter = await startErrorExporter({ namespace: options.namespace ?? DEFAULT_NAMESPACE, rates: options.rates });
    const amConfig = await writeAlertmanagerConfig(dir);
    const am = await startOnFreePort('alertmanager', dir, readyTimeout, (port) => [ALERTMANAGER_BIN, [
      `--config.file=${amConfig}`,
      `--storage.path=${join(dir, 'alertmanager-data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // An empty address turns clustering (gossip on 0.0.0.0:9094) off.
      '--cluster.listen-address=',
      '--log.level=warn',
    ]]);
    daemons.push(am.daemon);
    const rulesFile = await writeRules(dir, options.rules ?? [HIGH_ERROR_RATE_RULE]);
    const promConfig = await writePrometheusConfig(dir, {
      scrapeTarget: exporter.target, alertmanager: `127.0.0.1:${am.port}`, rulesFile, job: options.job ?? 'tower-analytics',
    });
    const prom = await startOnFreePort('prometheus', dir, readyTimeout, (port) => [PROMETHEUS_BIN, [
      `--config.file=${promConfig}`,
      `--storage.tsdb.path=${join(dir, 'prometheus-data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--web.external-url=http://127.0.0.1:${port}`,
      '--rules.alert.resend-delay=1s',
      '--log.level=warn',
    ]]);
    daemons.push(prom.daemon);
    return {
      prometheusUrl: `http://127.0.0.1:${prom.port}`,
      alertmanagerUrl: `http://127.0.0.1:${am.port}`,
      exporter,
      pids: { prometheus: prom.daemon.pid, alertmanager: am.daemon.pid },
      logs: () => ({ prometheus: prom.daemon.output(), alertmanager: am.daemon.output() }),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Takes a free port and starts the program on it; a port taken by someone else between the
 * probe and the bind ("address already in use") is retried with another port.
 */
async function startOnFreePort(
  name: string, dir: string, readyTimeoutMs: number,
  commandFor: (port: number) => [string, string[]],
): Promise<{ daemon: Daemon; port: number }> {
  let lastOutput = '';
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
    const port = await freePort();
    const [command, args] = commandFor(port);
    const cwd = join(dir, `${name}-${attempt}`);
    await mkdir(cwd, { recursive: true });
    const daemon = spawnDaemon(name, command, args, cwd);
    const state = await waitUntilReady(daemon, `http://127.0.0.1:${port}/-/ready`, readyTimeoutMs).catch(
      async (error: unknown) => {
        await daemon.stop();
        throw error;
      },
    );
    if (state === 'ready') return { daemon, port };
    lastOutput = daemon.output();
    if (!/address already in use/i.test(lastOutput)) break;
  }
  throw new Error(`${name} exited during start-up:\n${lastOutput}`);
}
