import { DEFAULT_NAMESPACE, type ClusterFixture } from './kube/fixtures.js';

/**
 * The cluster behind a HighErrorRate alert: the API deployment was just rolled out (revision 3),
 * one of its pods crash-loops on a database error, the other serves 500s, and the kubelet
 * records the back-off. The worker is healthy. Tests copy and adjust it; it is built fresh on
 * each call, so a test that mutates it cannot leak into another.
 */
export function errorRateIncident(namespace = DEFAULT_NAMESPACE): ClusterFixture {
  return {
    pods: [
      {
        name: 'analytics-api-7d9f8b6c5-x2k4p',
        namespace,
        deployment: 'analytics-api',
        containers: [{
          name: 'api',
          image: 'quay.io/cloudservices/analytics-api:3.2.0',
          restartCount: 7,
          state: { waiting: 'CrashLoopBackOff', message: 'back-off 5m0s restarting failed container=api' },
          lastTerminated: { reason: 'Error', exitCode: 1 },
          logs: [
            'INFO  starting analytics-api 3.2.0',
            'INFO  connecting to database analytics-db:5432',
            'ERROR psycopg2.OperationalError: FATAL: password authentication failed for user "analytics"',
            'ERROR request failed: GET /api/v1/reports -> 500 Internal Server Error',
            '',
          ].join('\n'),
          previousLogs: [
            'INFO  starting analytics-api 3.2.0',
            'ERROR psycopg2.OperationalError: FATAL: password authentication failed for user "analytics"',
            'CRITICAL worker exiting with code 1',
            '',
          ].join('\n'),
          usage: { cpu: '5m', memory: '120Mi' },
        }],
      },
      {
        name: 'analytics-api-7d9f8b6c5-q8m2z',
        namespace,
        deployment: 'analytics-api',
        containers: [{
          name: 'api',
          image: 'quay.io/cloudservices/analytics-api:3.2.0',
          logs: 'ERROR request failed: GET /api/v1/reports -> 500 Internal Server Error\n'.repeat(5),
          usage: { cpu: '310m', memory: '410Mi' },
        }],
      },
      {
        name: 'analytics-worker-5c6d7e8f9-h7j3k',
        namespace,
        deployment: 'analytics-worker',
        containers: [{ name: 'worker', logs: 'INFO  processed 120 jobs\n', usage: { cpu: '45m', memory: '200Mi' } }],
      },
    ],
    events: [
      {
        namespace,
        reason: 'BackOff',
        message: 'Back-off restarting failed container api in pod analytics-api-7d9f8b6c5-x2k4p_' + namespace,
        involvedObject: { name: 'analytics-api-7d9f8b6c5-x2k4p' },
        count: 23,
        lastSeenSecondsAgo: 30,
      },
      {
        namespace,
        reason: 'Unhealthy',
        message: 'Readiness probe failed: HTTP probe failed with statuscode: 500',
        involvedObject: { name: 'analytics-api-7d9f8b6c5-q8m2z' },
        count: 9,
        lastSeenSecondsAgo: 45,
      },
      {
        namespace,
        type: 'Normal',
        reason: 'Pulled',
        message: 'Container image "quay.io/cloudservices/analytics-api:3.2.0" already present on machine',
        involvedObject: { name: 'analytics-api-7d9f8b6c5-x2k4p' },
        count: 8,
      },
    ],
    deployments: [
      {
        name: 'analytics-api',
        namespace,
        replicas: 2,
        readyReplicas: 1,
        revisions: [
          { revision: 1, image: 'quay.io/cloudservices/analytics-api:3.0.0' },
          { revision: 2, image: 'quay.io/cloudservices/analytics-api:3.1.0', changeCause: 'release 3.1.0' },
          { revision: 3, image: 'quay.io/cloudservices/analytics-api:3.2.0', changeCause: 'release 3.2.0: rotate db credentials' },
        ],
      },
      { name: 'analytics-worker', namespace, replicas: 1 },
    ],
  };
}
