import { createHash } from 'node:crypto';

/**
 * The small, readable shapes that tests write. Builders in `build-objects.ts` turn them into
 * full Kubernetes objects, so a test says "a pod in CrashLoopBackOff with 7 restarts", not 60
 * lines of status JSON.
 */

export const DEFAULT_NAMESPACE = 'tower-analytics-stage';

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

/** A container's current state: running, waiting for a reason, or terminated with an exit code. */
export type ContainerState =
  | 'running'
  | { waiting: string; message?: string }
  | { terminated: string; exitCode: number };

export interface ContainerFixture {
  name: string;
  image?: string;
  /** Defaults to 0. */
  restartCount?: number;
  /** Defaults to 'running'. */
  state?: ContainerState;
  /** The previous run's end, as `kubectl describe` shows under "Last State". */
  lastTerminated?: { reason: string; exitCode: number };
  /** Defaults to true when the state is running and the pod phase is Running. */
  ready?: boolean;
  /** What `kubectl logs` returns (each line ends with a newline; `--tail` counts lines). */
  logs?: string;
  /** What `kubectl logs --previous` returns; without it kubectl gets a 400 like a real server. */
  previousLogs?: string;
  /** What `kubectl top pods` reports, e.g. `{ cpu: '250m', memory: '300Mi' }`. */
  usage?: { cpu: string; memory: string };
}

export interface PodFixture {
  name: string;
  /** Defaults to DEFAULT_NAMESPACE. */
  namespace?: string;
  /** Defaults to 'Running'. */
  phase?: PodPhase;
  /** Defaults to one container named 'app'. */
  containers?: ContainerFixture[];
  labels?: Record<string, string>;
  /** Makes the pod owned by this deployment's newest ReplicaSet and labels it `app=<name>`. */
  deployment?: string;
  nodeName?: string;
  /** How long ago the pod was created; defaults to one hour. */
  ageSeconds?: number;
}

export interface EventFixture {
  /** Defaults to the involved object's namespace, then DEFAULT_NAMESPACE. */
  namespace?: string;
  /** Defaults to 'Warning'. */
  type?: 'Warning' | 'Normal';
  reason: string;
  message: string;
  /** Defaults to kind 'Pod'. */
  involvedObject: { kind?: string; name: string };
  /** Defaults to 1. */
  count?: number;
  /** How long ago the event was last seen; defaults to 60 seconds. */
  lastSeenSecondsAgo?: number;
  /** Defaults to 'kubelet'. */
  component?: string;
}

export interface RevisionFixture {
  revision: number;
  image: string;
  /** Shown by `kubectl rollout history` (the `kubernetes.io/change-cause` annotation). */
  changeCause?: string;
}

export interface DeploymentFixture {
  name: string;
  namespace?: string;
  /** Defaults to 1. */
  replicas?: number;
  /** Defaults to replicas. */
  readyReplicas?: number;
  /** One ReplicaSet per revision; the highest is current. Defaults to revision 1 of `<name>:1`. */
  revisions?: RevisionFixture[];
}

/** Everything the fake cluster serves; the server reads it on each request. */
export interface ClusterFixture {
  pods: PodFixture[];
  events: EventFixture[];
  deployments: DeploymentFixture[];
}

export function emptyCluster(): ClusterFixture {
  return { pods: [], events: [], deployments: [] };
}

/** A stable UUID-shaped id, so `describe` finds events by `involvedObject.uid`. */
export function uidFor(...parts: string[]): string {
  const h = createHash('sha1').update(parts.join('/')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** A pod-template-hash-like suffix: 10 characters from the alphabet Kubernetes uses. */
export function hashFor(...parts: string[]): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  const bytes = createHash('sha1').update(parts.join('/')).digest();
  return Array.from(bytes.subarray(0, 10), (b) => alphabet[b % alphabet.length]).join('');
}

/** RFC 3339 with second precision, as the API server writes timestamps. */
export function timestampAgo(seconds: number, now = Date.now()): string {
  return new Date(now - seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
