import { pollUntil } from '../wait.js';

/** An alert as Alertmanager's `GET /api/v2/alerts` returns it. */
export interface AlertmanagerAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  updatedAt: string;
  fingerprint: string;
  generatorURL?: string;
  receivers: { name: string }[];
  status: { state: 'active' | 'suppressed' | 'unprocessed'; silencedBy: string[]; inhibitedBy: string[] };
}

/** One series of a Prometheus range query: `[unixSeconds, "value"]` pairs. */
export interface RangeSeries {
  metric: Record<string, string>;
  values: [number, string][];
}

export interface InstantSample {
  metric: Record<string, string>;
  value: [number, string];
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  const text = await response.text();
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

interface PromResponse<T> {
  status: 'success' | 'error';
  data: { resultType: string; result: T };
  error?: string;
}

async function promData<T>(url: string): Promise<T> {
  const body = await getJson<PromResponse<T>>(url);
  if (body.status !== 'success') throw new Error(`Prometheus query failed: ${body.error ?? 'unknown error'}`);
  return body.data.result;
}

/** `GET /api/v1/query`: an instant vector. */
export function queryInstant(prometheusUrl: string, expr: string): Promise<InstantSample[]> {
  return promData(`${prometheusUrl}/api/v1/query?${new URLSearchParams({ query: expr })}`);
}

/** `GET /api/v1/query_range` over the last `lastSeconds` (default 60) with `stepSeconds` (default 1). */
export function queryRange(
  prometheusUrl: string, expr: string, options: { lastSeconds?: number; stepSeconds?: number } = {},
): Promise<RangeSeries[]> {
  const end = Date.now() / 1000;
  const params = new URLSearchParams({
    query: expr,
    start: String(end - (options.lastSeconds ?? 60)),
    end: String(end),
    step: String(options.stepSeconds ?? 1),
  });
  return promData(`${prometheusUrl}/api/v1/query_range?${params}`);
}

/** `GET /api/v2/alerts`, optionally filtered by label matchers such as `alertname="HighErrorRate"`. */
export function listAlerts(alertmanagerUrl: string, filters: string[] = []): Promise<AlertmanagerAlert[]> {
  const params = new URLSearchParams();
  for (const f of filters) params.append('filter', f);
  return getJson(`${alertmanagerUrl}/api/v2/alerts?${params}`);
}

/**
 * Polls Alertmanager until an active (firing, not silenced or inhibited) alert named `name`
 * is there, and returns it. Bounded by `timeoutMs`.
 */
export async function waitForFiringAlert(
  alertmanagerUrl: string, name: string, timeoutMs: number,
): Promise<AlertmanagerAlert> {
  return pollUntil(
    async () => {
      const alerts = await listAlerts(alertmanagerUrl, [`alertname="${name}"`]);
      return alerts.find((a) => a.status.state === 'active');
    },
    { timeoutMs, intervalMs: 250, what: `alert ${name} to fire in Alertmanager ${alertmanagerUrl}` },
  );
}

export interface SilenceMatcher {
  name: string;
  value: string;
  /** Defaults to false. */
  isRegex?: boolean;
  /** Defaults to true. */
  isEqual?: boolean;
}

/** `POST /api/v2/silences`; returns the silence id. */
export async function addSilence(
  alertmanagerUrl: string,
  options: { matchers: SilenceMatcher[]; durationMs?: number; comment?: string; createdBy?: string },
): Promise<string> {
  const now = Date.now();
  const body = {
    matchers: options.matchers.map((m) => ({ isRegex: false, isEqual: true, ...m })),
    startsAt: new Date(now).toISOString(),
    endsAt: new Date(now + (options.durationMs ?? 3_600_000)).toISOString(),
    createdBy: options.createdBy ?? 'aiw-e2e',
    comment: options.comment ?? 'silenced by an aiw end-to-end test',
  };
  const response = await fetch(`${alertmanagerUrl}/api/v2/silences`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`POST /api/v2/silences answered ${response.status}: ${text}`);
  return (JSON.parse(text) as { silenceID: string }).silenceID;
}
