/**
 * Legacy (non-aggregated) discovery documents. kubectl asks for aggregated discovery first
 * (`Accept: ...apidiscovery.k8s.io;v=v2...`) and falls back to these when the answer is plain
 * `application/json`, then fetches one APIResourceList per group version.
 */

export type MetricsMode = 'available' | 'absent' | 'unavailable';

interface ResourceDoc {
  name: string;
  singularName: string;
  namespaced: boolean;
  kind: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
}

const READ = ['get', 'list', 'watch'];

function resource(
  name: string, kind: string, namespaced: boolean,
  extra: Partial<ResourceDoc> = {},
): ResourceDoc {
  const singularName = name.includes('/') ? '' : kind.toLowerCase();
  return { name, singularName, namespaced, kind, verbs: READ, ...extra };
}

const CORE_V1 = [
  resource('namespaces', 'Namespace', false, { shortNames: ['ns'] }),
  resource('pods', 'Pod', true, { shortNames: ['po'], categories: ['all'] }),
  resource('pods/log', 'Pod', true, { verbs: ['get'] }),
  resource('events', 'Event', true, { shortNames: ['ev'] }),
];

const APPS_V1 = [
  resource('deployments', 'Deployment', true, { shortNames: ['deploy'], categories: ['all'] }),
  resource('replicasets', 'ReplicaSet', true, { shortNames: ['rs'], categories: ['all'] }),
];

const METRICS_V1BETA1 = [
  resource('nodes', 'NodeMetrics', false, { verbs: ['get', 'list'] }),
  resource('pods', 'PodMetrics', true, { verbs: ['get', 'list'] }),
];

const GROUPS: Record<string, { version: string; resources: ResourceDoc[] }> = {
  apps: { version: 'v1', resources: APPS_V1 },
  'metrics.k8s.io': { version: 'v1beta1', resources: METRICS_V1BETA1 },
};

export const SERVER_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.4',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2025-04-22T00:00:00Z',
  goVersion: 'go1.23.8',
  compiler: 'gc',
  platform: 'linux/amd64',
};

export function apiVersions(hostPort: string): object {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: hostPort }],
  };
}

/** The group list; the metrics group is missing when metrics-server is "not installed". */
export function apiGroupList(metrics: MetricsMode): object {
  const groups = Object.entries(GROUPS)
    .filter(([name]) => name !== 'metrics.k8s.io' || metrics !== 'absent')
    .map(([name, { version }]) => {
      const gv = { groupVersion: `${name}/${version}`, version };
      return { name, versions: [gv], preferredVersion: gv };
    });
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

/** The APIResourceList for `v1` or `group/version`, or undefined when that version is unknown. */
export function apiResourceList(groupVersion: string, metrics: MetricsMode): object | undefined {
  if (groupVersion === 'v1') {
    return { kind: 'APIResourceList', groupVersion, resources: CORE_V1 };
  }
  const [group, version] = groupVersion.split('/');
  const known = group === undefined ? undefined : GROUPS[group];
  if (known === undefined || known.version !== version) return undefined;
  if (group === 'metrics.k8s.io' && metrics === 'absent') return undefined;
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources: known.resources };
}
