import { podContainers } from './build-objects.js';
import type { PodFixture } from './fixtures.js';
import { badRequest, plain, type KubeResponse } from './responses.js';

/**
 * `GET .../pods/{name}/log` with the query parameters kubectl sends: `container`, `previous`,
 * `tailLines`. Errors use the real API server's wording so heal rules can match them.
 */
export function podLog(pod: PodFixture, query: URLSearchParams): KubeResponse {
  const containers = podContainers(pod);
  const wanted = query.get('container');
  const container = wanted === null ? containers[0] : containers.find((c) => c.name === wanted);
  if (wanted === null && containers.length > 1) {
    const names = containers.map((c) => c.name).join(' ');
    return badRequest(`a container name must be specified for pod ${pod.name}, choose one of: [${names}]`);
  }
  if (container === undefined) {
    return badRequest(`container ${wanted ?? ''} is not valid for pod ${pod.name}`);
  }
  let text: string;
  if (query.get('previous') === 'true') {
    if (container.previousLogs === undefined) {
      return badRequest(`previous terminated container "${container.name}" in pod "${pod.name}" not found`);
    }
    text = container.previousLogs;
  } else {
    const state = container.state ?? 'running';
    if (container.logs === undefined && typeof state === 'object' && 'waiting' in state) {
      return badRequest(`container "${container.name}" in pod "${pod.name}" is waiting to start: ${state.waiting}`);
    }
    text = container.logs ?? '';
  }
  return plain(tail(text, query.get('tailLines')));
}

function tail(text: string, tailLines: string | null): string {
  if (tailLines === null) return text;
  const n = Number(tailLines);
  if (!Number.isInteger(n) || n < 0) return text;
  const lines = text.split('\n');
  const trailingNewline = lines[lines.length - 1] === '';
  if (trailingNewline) lines.pop();
  const kept = n === 0 ? [] : lines.slice(-n);
  return kept.join('\n') + (trailingNewline && kept.length > 0 ? '\n' : '');
}
