import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';

export interface AlertRule {
  alert: string;
  expr: string;
  /** Defaults to '0s': the alert fires on the first evaluation that returns a result. */
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** The 5xx error-rate alert the investigate_alert story starts from. */
export const HIGH_ERROR_RATE_RULE: AlertRule = {
  alert: 'HighErrorRate',
  expr: 'sum by (namespace) (rate(http_requests_total{code=~"5.."}[30s])) > 0.1',
  for: '0s',
  labels: { severity: 'critical' },
  annotations: {
    summary: 'High 5xx error rate in {{ $labels.namespace }}',
    description: '{{ $labels.namespace }} serves {{ $value | humanize }} 5xx responses per second.',
  },
};

export async function writeRules(dir: string, rules: AlertRule[]): Promise<string> {
  const path = join(dir, 'rules.yml');
  const group = {
    name: 'aiw-e2e',
    interval: '1s',
    rules: rules.map((r) => ({ for: '0s', ...r })),
  };
  await writeFile(path, stringify({ groups: [group] }));
  return path;
}

/**
 * Scrape and evaluate every second, send alerts to one Alertmanager. Prometheus applies scrape
 * targets from its discovery about 5 s after start (a fixed ticker in this version), which is
 * most of the time to the first firing alert.
 */
export async function writePrometheusConfig(
  dir: string, options: { scrapeTarget: string; alertmanager: string; rulesFile: string; job: string },
): Promise<string> {
  const path = join(dir, 'prometheus.yml');
  const config = {
    global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
    alerting: { alertmanagers: [{ static_configs: [{ targets: [options.alertmanager] }], timeout: '2s' }] },
    rule_files: [options.rulesFile],
    scrape_configs: [{ job_name: options.job, static_configs: [{ targets: [options.scrapeTarget] }] }],
  };
  await writeFile(path, stringify(config));
  return path;
}

/**
 * One route to a receiver with no integrations: alerts are kept and served by the API, and no
 * notification is sent anywhere. Small group timings so grouping never delays a test.
 */
export async function writeAlertmanagerConfig(dir: string): Promise<string> {
  const path = join(dir, 'alertmanager.yml');
  const config = {
    route: {
      receiver: 'blackhole',
      group_by: ['alertname', 'namespace'],
      group_wait: '1s',
      group_interval: '1s',
      repeat_interval: '1h',
    },
    receivers: [{ name: 'blackhole' }],
  };
  await writeFile(path, stringify(config));
  return path;
}
