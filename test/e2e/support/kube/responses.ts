/** What the router answers; the server writes it. Bodies are JSON unless `text` is set. */
export interface KubeResponse {
  status: number;
  body: unknown;
  text?: boolean;
}

export function ok(body: unknown): KubeResponse {
  return { status: 200, body };
}

export function plain(text: string): KubeResponse {
  return { status: 200, body: text, text: true };
}

/**
 * A `Status` failure shaped like the real API server's, because kubectl builds its messages
 * from `reason` and `message` ("Error from server (NotFound): pods "x" not found").
 */
export function statusFailure(
  code: number, reason: string, message: string, details?: Record<string, unknown>,
): KubeResponse {
  return {
    status: code,
    body: {
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason,
      ...(details ? { details } : {}), code,
    },
  };
}

export function unauthorized(): KubeResponse {
  return statusFailure(401, 'Unauthorized', 'Unauthorized');
}

export function notFoundPath(): KubeResponse {
  return statusFailure(404, 'NotFound', 'the server could not find the requested resource', {});
}

export function notFoundObject(resource: string, group: string, name: string): KubeResponse {
  const qualified = group === '' ? resource : `${resource}.${group}`;
  return statusFailure(404, 'NotFound', `${qualified} "${name}" not found`, {
    name, ...(group === '' ? {} : { group }), kind: resource,
  });
}

export function badRequest(message: string): KubeResponse {
  return statusFailure(400, 'BadRequest', message);
}

export function serviceUnavailable(): KubeResponse {
  return statusFailure(503, 'ServiceUnavailable', 'the server is currently unable to handle the request', {});
}

export function methodNotAllowed(): KubeResponse {
  return statusFailure(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {});
}
