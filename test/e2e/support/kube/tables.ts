import type { KubeObject } from './build-objects.js';

/**
 * Server-side printing: plain `kubectl get pods` asks for a `meta.k8s.io/v1 Table` and prints
 * its cells as they are. Without it kubectl falls back to NAME/AGE only, which no real cluster
 * shows. Pods, deployments and events get the real columns; other kinds fall back like an old server.
 */

interface Column {
  name: string;
  type: string;
  format?: string;
  priority?: number;
}

type Row = (string | number)[];

export function wantsTable(accept: string | undefined): boolean {
  return accept?.includes('as=Table') === true;
}

const TABLES: Record<string, { columns: Column[]; cells: (o: KubeObject, now: number) => Row }> = {
  Pod: {
    columns: [
      { name: 'Name', type: 'string', format: 'name' }, { name: 'Ready', type: 'string' },
      { name: 'Status', type: 'string' }, { name: 'Restarts', type: 'string' }, { name: 'Age', type: 'string' },
      { name: 'IP', type: 'string', priority: 1 }, { name: 'Node', type: 'string', priority: 1 },
    ],
    cells: podCells,
  },
  Deployment: {
    columns: [
      { name: 'Name', type: 'string', format: 'name' }, { name: 'Ready', type: 'string' },
      { name: 'Up-to-date', type: 'integer' }, { name: 'Available', type: 'integer' }, { name: 'Age', type: 'string' },
    ],
    cells: (o, now) => {
      const s = o.status as { replicas: number; readyReplicas: number; updatedReplicas: number; availableReplicas: number };
      return [String(o.metadata.name), `${s.readyReplicas}/${s.replicas}`, s.updatedReplicas, s.availableReplicas,
        age(String(o.metadata.creationTimestamp), now)];
    },
  },
  Event: {
    columns: [
      { name: 'Last Seen', type: 'string' }, { name: 'Type', type: 'string' }, { name: 'Reason', type: 'string' },
      { name: 'Object', type: 'string' }, { name: 'Message', type: 'string' },
    ],
    cells: (o, now) => {
      const e = o as unknown as EventJson;
      return [age(e.lastTimestamp, now), e.type, e.reason, `${e.involvedObject.kind.toLowerCase()}/${e.involvedObject.name}`, e.message];
    },
  },
};

interface EventJson {
  lastTimestamp: string; type: string; reason: string; message: string;
  involvedObject: { kind: string; name: string };
}

interface ContainerStatusJson {
  ready: boolean;
  restartCount: number;
  state: { waiting?: { reason?: string }; terminated?: { reason?: string; exitCode: number } };
  lastState: { terminated?: { finishedAt?: string } };
}

function podCells(o: KubeObject, now: number): Row {
  const status = o.status as { phase: string; podIP?: string; containerStatuses?: ContainerStatusJson[] };
  const statuses = status.containerStatuses ?? [];
  let reason = status.phase;
  for (const s of statuses) {
    if (s.state.waiting?.reason) reason = s.state.waiting.reason;
    else if (s.state.terminated) reason = s.state.terminated.reason ?? `ExitCode:${s.state.terminated.exitCode}`;
  }
  const restarts = statuses.reduce((n, s) => n + s.restartCount, 0);
  const lastRestart = statuses.map((s) => s.lastState.terminated?.finishedAt).find((t) => t !== undefined);
  const ready = `${statuses.filter((s) => s.ready).length}/${statuses.length}`;
  const restartCell = lastRestart === undefined || restarts === 0 ? String(restarts) : `${restarts} (${age(lastRestart, now)} ago)`;
  const spec = o.spec as { nodeName?: string };
  return [String(o.metadata.name), ready, reason, restartCell, age(String(o.metadata.creationTimestamp), now),
    status.podIP ?? '<none>', spec.nodeName ?? '<none>'];
}

/** What each row carries, from the `includeObject` query parameter: None, Metadata (default), Object. */
function rowObject(o: KubeObject, include: string | null): object | undefined {
  if (include === 'None') return undefined;
  if (include === 'Object') return o;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
}

/** Converts a list or single object to a Table, or returns undefined when the kind has none. */
export function toTable(
  objects: KubeObject[], kind: string, resourceVersion: string, includeObject: string | null,
): object | undefined {
  const table = TABLES[kind];
  if (table === undefined) return undefined;
  const now = Date.now();
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: table.columns.map((c) => ({ description: '', format: '', priority: 0, ...c })),
    rows: objects.map((o) => ({ cells: table.cells(o, now), object: rowObject(o, includeObject) })),
  };
}

/** kubectl's HumanDuration (k8s.io/apimachinery/pkg/util/duration). */
export function age(timestamp: string, now: number): string {
  const seconds = Math.floor((now - Date.parse(timestamp)) / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  const hours = Math.floor(minutes / 60);
  const days = Math.floor(hours / 24);
  const part = (big: number, unit: string, small: number, smallUnit: string): string =>
    small === 0 ? `${big}${unit}` : `${big}${unit}${small}${smallUnit}`;
  if (minutes < 10) return part(minutes, 'm', seconds % 60, 's');
  if (minutes < 180) return `${minutes}m`;
  if (hours < 8) return part(hours, 'h', minutes % 60, 'm');
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return part(days, 'd', hours % 24, 'h');
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.floor(days / 365);
  if (hours < 24 * 365 * 8) return part(years, 'y', days % 365, 'd');
  return `${years}y`;
}
