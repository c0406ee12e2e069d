import {
  buildDeployment, buildEvent, buildPod, buildPodMetrics, podNamespace, type KubeObject,
} from './build-objects.js';
import { apiGroupList, apiResourceList, apiVersions, SERVER_VERSION, type MetricsMode } from './discovery.js';
import { DEFAULT_NAMESPACE, timestampAgo, type ClusterFixture } from './fixtures.js';
import { podLog } from './pod-logs.js';
import {
  badRequest, methodNotAllowed, notFoundObject, notFoundPath, ok, serviceUnavailable, type KubeResponse,
} from './responses.js';
import { parseFieldSelector, parseLabelSelector, SelectorError } from './selectors.js';
import { toTable, wantsTable } from './tables.js';

export interface ClusterView {
  cluster: ClusterFixture;
  metrics: MetricsMode;
  /** `127.0.0.1:PORT`, echoed in `/api` like a real server. */
  hostPort: string;
  /** The request's Accept header: plain `kubectl get` asks for a Table. */
  accept?: string;
}

interface Collection {
  group: string;
  listKind: string;
  apiVersion: string;
  objects: (view: ClusterView) => KubeObject[];
}

const COLLECTIONS: Record<string, Collection> = {
  'v1/pods': { group: '', listKind: 'PodList', apiVersion: 'v1', objects: (v) => v.cluster.pods.map(buildPod) },
  'v1/events': {
    group: '', listKind: 'EventList', apiVersion: 'v1',
    objects: (v) => v.cluster.events.map((e, i) => buildEvent(e, i, v.cluster.pods)),
  },
  'v1/namespaces': { group: '', listKind: 'NamespaceList', apiVersion: 'v1', objects: namespaces },
  'apps/v1/deployments': {
    group: 'apps', listKind: 'DeploymentList', apiVersion: 'apps/v1',
    objects: (v) => v.cluster.deployments.map((d) => buildDeployment(d).deployment),
  },
  'apps/v1/replicasets': {
    group: 'apps', listKind: 'ReplicaSetList', apiVersion: 'apps/v1',
    objects: (v) => v.cluster.deployments.flatMap((d) => buildDeployment(d).replicaSets),
  },
  'metrics.k8s.io/v1beta1/pods': {
    group: 'metrics.k8s.io', listKind: 'PodMetricsList', apiVersion: 'metrics.k8s.io/v1beta1',
    objects: (v) => v.cluster.pods.flatMap((p) => buildPodMetrics(p) ?? []),
  },
  'metrics.k8s.io/v1beta1/nodes': {
    group: 'metrics.k8s.io', listKind: 'NodeMetricsList', apiVersion: 'metrics.k8s.io/v1beta1', objects: () => [],
  },
};

function namespaces(view: ClusterView): KubeObject[] {
  const names = new Set([DEFAULT_NAMESPACE, 'default', 'kube-system', ...view.cluster.pods.map(podNamespace)]);
  return [...names].sort().map((name) => ({
    apiVersion: 'v1', kind: 'Namespace',
    metadata: { name, uid: name, creationTimestamp: timestampAgo(30 * 86_400), labels: { 'kubernetes.io/metadata.name': name } },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  }));
}

// /api/v1/... or /apis/{group}/{version}/..., then [namespaces/{ns}/]{resource}[/{name}[/{sub}]]
const RESOURCE_PATH =
  /^\/(?:api\/(v1)|apis\/([^/]+\/[^/]+))(?:\/namespaces\/([^/]+)(?=\/))?\/([^/]+)(?:\/([^/]+))?(?:\/([^/]+))?$/;

/** Answers one GET the way the real API server would, from the fixture data in `view`. */
export function route(method: string, url: URL, view: ClusterView): KubeResponse {
  if (method !== 'GET') return methodNotAllowed();
  const path = url.pathname.replace(/\/+$/, '');
  const metricsPath = path.startsWith('/apis/metrics.k8s.io');
  if (metricsPath && view.metrics === 'unavailable') return serviceUnavailable();
  if (metricsPath && view.metrics === 'absent') return notFoundPath();

  if (path === '/version') return ok(SERVER_VERSION);
  if (path === '/api') return ok(apiVersions(view.hostPort));
  if (path === '/apis') return ok(apiGroupList(view.metrics));
  const discovery = /^\/(?:api\/(v1)|apis\/([^/]+\/[^/]+))$/.exec(path);
  if (discovery !== null) {
    const doc = apiResourceList(discovery[1] ?? discovery[2] ?? '', view.metrics);
    return doc === undefined ? notFoundPath() : ok(doc);
  }

  const m = RESOURCE_PATH.exec(path);
  if (m === null) return notFoundPath();
  const [, core, groupVersion, namespace, resource = '', name, sub] = m;
  const collection = COLLECTIONS[`${core ?? groupVersion}/${resource}`];
  if (collection === undefined) return notFoundPath();
  try {
    return answer(collection, resource, { namespace, name, sub }, url.searchParams, view);
  } catch (error) {
    if (error instanceof SelectorError) return badRequest(error.message);
    throw error;
  }
}

function answer(
  collection: Collection, resource: string,
  target: { namespace?: string; name?: string; sub?: string },
  query: URLSearchParams, view: ClusterView,
): KubeResponse {
  const inScope = collection.objects(view).filter((o) =>
    resource === 'namespaces' || target.namespace === undefined || o.metadata.namespace === target.namespace);
  const kind = collection.listKind.replace(/List$/, '');
  const table = (objects: KubeObject[]): object | undefined =>
    (wantsTable(view.accept) ? toTable(objects, kind, '1001', query.get('includeObject')) : undefined);
  if (target.name === undefined) {
    const byField = parseFieldSelector(query.get('fieldSelector'));
    const byLabel = parseLabelSelector(query.get('labelSelector'));
    const items = inScope.filter((o) => byField(o) && byLabel(o));
    return ok(table(items) ?? {
      kind: collection.listKind, apiVersion: collection.apiVersion, metadata: { resourceVersion: '1001' }, items,
    });
  }
  const found = inScope.find((o) => o.metadata.name === target.name);
  if (found === undefined) return notFoundObject(resource, collection.group, target.name);
  if (target.sub === undefined) return ok(table([found]) ?? found);
  if (resource === 'pods' && target.sub === 'log') {
    const pod = view.cluster.pods.find((p) => p.name === target.name && podNamespace(p) === target.namespace);
    if (pod !== undefined) return podLog(pod, query);
  }
  return notFoundPath();
}
