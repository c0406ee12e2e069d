import {
  DEFAULT_NAMESPACE, hashFor, timestampAgo, uidFor,
  type ContainerFixture, type ContainerState, type DeploymentFixture, type EventFixture,
  type PodFixture, type RevisionFixture,
} from './fixtures.js';

/** A Kubernetes object as JSON; tests and selectors read it by path. */
export type KubeObject = Record<string, unknown> & { metadata: Record<string, unknown> };

const DEFAULT_CONTAINER: ContainerFixture = { name: 'app' };

export function podContainers(pod: PodFixture): ContainerFixture[] {
  return pod.containers ?? [DEFAULT_CONTAINER];
}

export function podNamespace(pod: PodFixture): string {
  return pod.namespace ?? DEFAULT_NAMESPACE;
}

function stateJson(state: ContainerState, startedAt: string): object {
  if (state === 'running') return { running: { startedAt } };
  if ('waiting' in state) return { waiting: { reason: state.waiting, message: state.message } };
  return {
    terminated: { exitCode: state.exitCode, reason: state.terminated, startedAt, finishedAt: startedAt },
  };
}

function containerStatus(c: ContainerFixture, phase: string, startedAt: string): object {
  const state = c.state ?? 'running';
  const ready = c.ready ?? (state === 'running' && phase === 'Running');
  const lastState = c.lastTerminated === undefined ? {} : {
    terminated: {
      exitCode: c.lastTerminated.exitCode, reason: c.lastTerminated.reason,
      startedAt, finishedAt: startedAt,
    },
  };
  return {
    name: c.name,
    image: c.image ?? `quay.io/example/${c.name}:latest`,
    imageID: '',
    containerID: `containerd://${uidFor('container', c.name, startedAt).replace(/-/g, '')}`,
    ready,
    started: state === 'running',
    restartCount: c.restartCount ?? 0,
    state: stateJson(state, startedAt),
    lastState,
  };
}

export function buildPod(pod: PodFixture): KubeObject {
  const namespace = podNamespace(pod);
  const phase = pod.phase ?? 'Running';
  const created = timestampAgo(pod.ageSeconds ?? 3600);
  const containers = podContainers(pod);
  const statuses = containers.map((c) => containerStatus(c, phase, created));
  const allReady = statuses.every((s) => (s as { ready: boolean }).ready);
  const labels: Record<string, string> = { ...pod.labels };
  let ownerReferences: object[] | undefined;
  if (pod.deployment !== undefined) {
    const hash = hashFor(namespace, pod.deployment);
    labels.app ??= pod.deployment;
    labels['pod-template-hash'] ??= hash;
    const rs = `${pod.deployment}-${hash}`;
    ownerReferences = [{
      apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs, uid: uidFor('ReplicaSet', namespace, rs),
      controller: true, blockOwnerDeletion: true,
    }];
  }
  const condition = (type: string, ok: boolean): object =>
    ({ type, status: ok ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: created });
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: pod.name, namespace, uid: uidFor('Pod', namespace, pod.name), resourceVersion: '1001',
      creationTimestamp: created, labels, ...(ownerReferences ? { ownerReferences } : {}),
    },
    spec: {
      containers: containers.map((c) => ({
        name: c.name, image: c.image ?? `quay.io/example/${c.name}:latest`, resources: {},
      })),
      nodeName: pod.nodeName ?? 'worker-1',
      restartPolicy: 'Always',
      serviceAccountName: 'default',
    },
    status: {
      phase,
      conditions: [
        condition('Initialized', true), condition('Ready', allReady),
        condition('ContainersReady', allReady), condition('PodScheduled', true),
      ],
      hostIP: '192.0.2.10',
      podIP: '192.0.2.100',
      startTime: created,
      containerStatuses: statuses,
      qosClass: 'BestEffort',
    },
  };
}

export function buildEvent(event: EventFixture, index: number, pods: PodFixture[]): KubeObject {
  const kind = event.involvedObject.kind ?? 'Pod';
  const target = pods.find((p) => p.name === event.involvedObject.name);
  const namespace = event.namespace ?? (target ? podNamespace(target) : DEFAULT_NAMESPACE);
  const last = timestampAgo(event.lastSeenSecondsAgo ?? 60);
  const name = `${event.involvedObject.name}.${hashFor('event', String(index)).slice(0, 8)}`;
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace, uid: uidFor('Event', namespace, name), creationTimestamp: last },
    involvedObject: {
      kind, namespace, name: event.involvedObject.name, apiVersion: kind === 'Pod' ? 'v1' : 'apps/v1',
      uid: uidFor(kind, namespace, event.involvedObject.name),
    },
    reason: event.reason,
    message: event.message,
    type: event.type ?? 'Warning',
    count: event.count ?? 1,
    firstTimestamp: last,
    lastTimestamp: last,
    source: { component: event.component ?? 'kubelet' },
    reportingComponent: event.component ?? 'kubelet',
    reportingInstance: '',
  };
}

function template(app: string, labels: Record<string, string>, image: string): object {
  return { metadata: { labels }, spec: { containers: [{ name: app, image, resources: {} }] } };
}

function revisionsOf(d: DeploymentFixture): RevisionFixture[] {
  return d.revisions ?? [{ revision: 1, image: `quay.io/example/${d.name}:1` }];
}

/** The Deployment plus one ReplicaSet per revision, linked as `rollout history` expects. */
export function buildDeployment(d: DeploymentFixture): { deployment: KubeObject; replicaSets: KubeObject[] } {
  const namespace = d.namespace ?? DEFAULT_NAMESPACE;
  const uid = uidFor('Deployment', namespace, d.name);
  const revisions = [...revisionsOf(d)].sort((a, b) => a.revision - b.revision);
  const current = revisions[revisions.length - 1] ?? { revision: 1, image: `${d.name}:1` };
  const replicas = d.replicas ?? 1;
  const ready = d.readyReplicas ?? replicas;
  const selector = { app: d.name };
  const created = timestampAgo(86_400);
  const replicaSets = revisions.map((rev) => {
    const hash = rev === current ? hashFor(namespace, d.name) : hashFor(namespace, d.name, String(rev.revision));
    const name = `${d.name}-${hash}`;
    const labels = { ...selector, 'pod-template-hash': hash };
    const annotations: Record<string, string> = { 'deployment.kubernetes.io/revision': String(rev.revision) };
    if (rev.changeCause !== undefined) annotations['kubernetes.io/change-cause'] = rev.changeCause;
    const size = rev === current ? replicas : 0;
    return {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name, namespace, uid: uidFor('ReplicaSet', namespace, name), creationTimestamp: created, labels, annotations,
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: d.name, uid, controller: true, blockOwnerDeletion: true }],
      },
      spec: { replicas: size, selector: { matchLabels: labels }, template: template(d.name, labels, rev.image) },
      status: { replicas: size, readyReplicas: rev === current ? ready : 0, observedGeneration: 1 },
    };
  });
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: d.name, namespace, uid, generation: current.revision, creationTimestamp: created, labels: selector,
      annotations: { 'deployment.kubernetes.io/revision': String(current.revision) },
    },
    spec: {
      replicas, selector: { matchLabels: selector }, template: template(d.name, selector, current.image),
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
    },
    status: {
      observedGeneration: current.revision, replicas, updatedReplicas: replicas, readyReplicas: ready,
      availableReplicas: ready, unavailableReplicas: Math.max(0, replicas - ready),
    },
  };
  return { deployment, replicaSets };
}

/** PodMetrics for a running pod (metrics-server reports nothing for pods that are not running). */
export function buildPodMetrics(pod: PodFixture): KubeObject | undefined {
  if ((pod.phase ?? 'Running') !== 'Running') return undefined;
  const namespace = podNamespace(pod);
  return {
    kind: 'PodMetrics',
    apiVersion: 'metrics.k8s.io/v1beta1',
    metadata: { name: pod.name, namespace, creationTimestamp: timestampAgo(0), labels: { ...pod.labels } },
    timestamp: timestampAgo(15),
    window: '15s',
    containers: podContainers(pod).map((c) => ({
      name: c.name, usage: { cpu: c.usage?.cpu ?? '1m', memory: c.usage?.memory ?? '16Mi' },
    })),
  };
}
