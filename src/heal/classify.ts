import { AiwError } from '../errors/errors.js';
import type { Classification } from '../model/run.js';
import { compilePattern, compilePatterns, firstMatch, prepareText, type CompiledPattern, type PreparedText } from '../pattern/match.js';
import { monotonicMs, nextTurn } from '../model/clock.js';
import { tookPath } from '../model/code-paths.js';

/**
 * A failure class as written in `auto_heal.classes`: a list of patterns, or an object whose
 * `exclude` patterns mark lines that must not count for this class (a line that matches one is
 * ignored, so one excluded mention cannot hide a real failure on another line). In configuration a
 * class replaces the built-in class of that name, unless it says `extend: true`.
 */
export type ClassSpec = readonly string[] | { patterns?: readonly string[]; exclude?: readonly string[]; extend?: boolean };
export type FailureClasses = Readonly<Record<string, ClassSpec>>;

export interface ClassifyInput {
  text: string;
  /** aiw killed the tool at its time limit. */
  timedOut?: boolean;
  httpStatus?: number;
}

export interface FailureClassifier {
  /** Class names in the order they are tried. */
  readonly classes: readonly string[];
  classify(input: ClassifyInput): Classification | null;
}

/**
 * Built-in classes. `auth`: the credentials are missing, wrong or expired, so logging in again can
 * help. Following the Python project's table, `Unauthorized`/`401`, `Forbidden`/`403` and an expired
 * token are auth, and so are the clouds' `AccessDenied` / `UnauthorizedOperation`: a login is tried
 * once, and the fix budget and cooldown bound a login that cannot help (an RBAC denial). Plain
 * patterns keep word boundaries, so `401` inside a SHA or a longer number is not auth. A local
 * "permission denied" on a file is not auth; ssh's "Permission denied (publickey)" is. Docker's
 * "requested access to the resource is denied" is what a push or pull without `docker login` prints.
 * `network`: the other side could not be reached, including a proxy that failed and an endpoint
 * that could not be connected to; `context deadline exceeded` (Go clients giving up on a dial or
 * request) counts as network, as in the Python project. Certificate errors are not network failures
 * (reconnecting does not fix them), nor is a line that reports a retry that succeeded.
 * `timeout`: a tool's own deadline; aiw's time limit gives `timeout` without looking at the text.
 */
export const DEFAULT_FAILURE_CLASSES: Readonly<Record<string, { readonly patterns: readonly string[]; readonly exclude?: readonly string[] }>> = {
  auth: {
    patterns: [
      'unauthorized', 'unauthenticated', 'not authenticated', 'authentication required', 'authentication failed',
      'too many authentication failures', 'must be logged in', 'requires you to be logged in', 'not logged in',
      'login required', 'please log in', 'please login', 'the server has asked for the client to provide credentials',
      'credentials were not provided', 'could not read Username for', 'could not read Password for', 'E401', 'ENEEDAUTH',
      '/\\b(?:HTTP(?:\\/[\\d.]+)?|status(?:[ _]?code)?|code|error|response|returned)"?\\s*(?:[:=]\\s*)?"?401\\b/i',
      'bad credentials', 'invalid credentials', 'invalid username or password', 'incorrect username or password',
      'no basic auth credentials', 'unable to locate credentials', 'credentials have expired', 'ExpiredToken',
      'InvalidClientTokenId', 'security token included in the request is', 'token has expired', 'token is expired',
      'token expired', 'expired token', 'token has been revoked', 'jwt expired', 'invalid_token', 'invalid_grant',
      'invalid_auth', 'not_authed', 'session expired', '/\\bsession\\b[^\\n]{0,80}?\\bhas expired\\b/i',
      'reauthentication required', 'reauthentication failed', 'do not currently have an active account selected',
      "run 'az login'", "may require 'docker login'", 'requested access to the resource is denied',
      'password authentication failed', 'Access denied for user', 'Permission denied, please try again',
      '/\\bPermission denied \\((?:publickey|password|keyboard-interactive|gssapi|hostbased)/i', 'User "system:anonymous"',
      '/\\b(?:403|forbidden)\\b[^\\n]{0,200}\\b(?:invalid|expired|missing|bad) (?:token|credentials|api key)\\b/i',
      // The Python project's table: bare status codes and words, word-bounded.
      // A bare 401/403 counts only with no letter, digit, `_` or `-` around it: not inside an id or a SHA.
      '/(?<![\\p{L}\\p{N}_-])40[13](?![\\p{L}\\p{N}_-])/u', 'forbidden', 'not authorized', 'no valid authentication', 'no valid credentials',
      'AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'AuthorizationError', 'AuthFailure',
    ],
    exclude: ['/\\b(?:0|no|zero) unauthorized\\b/i', '/\\bproxy authentication required\\b/i'],
  },
  network: {
    patterns: [
      'connection refused', 'ECONNREFUSED', '/\\bconnection to the server\\b[^\\n]{0,200}?\\bwas refused\\b/i',
      'no route to host', 'EHOSTUNREACH', 'host is unreachable', 'network is unreachable', 'ENETUNREACH', 'network is down',
      'host is down', 'could not resolve host', 'could not resolve hostname', "couldn't resolve host", 'no such host',
      'dial tcp: lookup', 'name or service not known', 'temporary failure in name resolution', 'could not translate host name',
      'nodename nor servname provided', 'ENOTFOUND', 'EAI_AGAIN', 'i/o timeout', 'connection timed out', 'ETIMEDOUT',
      'read timed out', 'operation timed out', 'connection reset', 'ECONNRESET', 'socket hang up', 'ECONNABORTED',
      'TLS handshake timeout', 'SSL_ERROR_SYSCALL', 'Client.Timeout exceeded', 'request canceled while waiting for connection',
      'Unable to connect to the server', 'Failed to connect to', "couldn't connect to server", 'could not connect to server',
      'failed to establish a new connection', 'Connection closed by', 'the remote end hung up unexpectedly',
      'empty reply from server', 'recv failure', 'server closed the connection unexpectedly', 'is the server running',
      'cannot connect to the docker daemon', 'problem related to network connectivity', 'code = Unavailable',
      '502 Bad Gateway', '503 Service Unavailable', '504 Gateway Time-out', '504 Gateway Timeout',
      'context deadline exceeded', 'network unreachable', 'proxyconnect tcp', 'Proxy CONNECT aborted', 'Could not resolve proxy',
      'Received HTTP code 407 from proxy', 'Proxy Authentication Required', 'tunnel connection failed', 'ProxyError',
      'Unable to connect to proxy', 'Could not connect to the endpoint URL', 'EndpointConnectionError', 'ConnectTimeoutError',
    ],
    exclude: [
      '/\\bx509: |certificate verify failed|certificate signed by unknown authority|certificate has expired/i',
      '/\\b(?:retrying|retried|reconnect(?:ed|ing))\\b[^\\n]*\\b(?:succeeded|recovered|connected|ok)\\b/i',
    ],
  },
  timeout: {
    patterns: ['deadline exceeded', 'DEADLINE_EXCEEDED', 'DeadlineExceeded', 'timed out waiting for'],
  },
};

/** Every pattern of `classes`, excludes included. */
function patternSources(classes: Record<string, { patterns: string[]; exclude: string[] }>): string[] {
  return Object.values(classes).flatMap((spec) => [...spec.patterns, ...spec.exclude]);
}

/** The built-in classes' patterns: shipped with aiw, held safe by its tests (compilePattern's `vetted`). */
let builtInSources: ReadonlySet<string> | undefined;
const isBuiltIn = (source: string): boolean => (builtInSources ??= new Set(patternSources(mergeFailureClasses()))).has(source);

/** A class's patterns, compiled; errors name the list and the pattern's position in it. */
function classPatterns(sources: readonly string[], where: string): CompiledPattern[] {
  return sources.map((source, i) => compilePattern(source, `${where}, pattern ${i + 1}`, isBuiltIn(source)));
}

// Gateways answer 502-504 when they cannot reach the service, and a proxy 407: the same remedy as a
// network failure. 401 and 403 are auth, as in the Python project's table.
const STATUS_CLASSES: Readonly<Record<number, string>> = { 401: 'auth', 403: 'auth', 407: 'network', 502: 'network', 503: 'network', 504: 'network' };

interface CompiledClass { name: string; patterns: CompiledPattern[]; exclude: CompiledPattern[] }

/** The built-in classes with `overrides` (from `auto_heal.classes`) applied; new classes go last. */
export function mergeFailureClasses(overrides?: FailureClasses | null, origin = 'auto_heal.classes'): Record<string, { patterns: string[]; exclude: string[] }> {
  const merged: Record<string, { patterns: string[]; exclude: string[] }> = {};
  for (const [name, spec] of Object.entries(DEFAULT_FAILURE_CLASSES)) merged[name] = { patterns: [...spec.patterns], exclude: [...(spec.exclude ?? [])] };
  for (const [name, spec] of Object.entries(overrides ?? {})) {
    const { patterns, exclude, extend } = normalize(spec, `${origin}.${name}`);
    const base = extend ? merged[name] : undefined;
    merged[name] = { patterns: [...(base?.patterns ?? []), ...patterns], exclude: [...(base?.exclude ?? []), ...exclude] };
  }
  return merged;
}

function normalize(spec: unknown, where: string): { patterns: string[]; exclude: string[]; extend: boolean } {
  const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');
  if (strings(spec)) return { patterns: spec, exclude: [], extend: false };
  const o = spec as { patterns?: unknown; exclude?: unknown; extend?: unknown } | null;
  if (o && typeof o === 'object' && (o.patterns === undefined || strings(o.patterns)) && (o.exclude === undefined || strings(o.exclude))
    && (o.extend === undefined || typeof o.extend === 'boolean')) {
    return { patterns: (o.patterns as string[] | undefined) ?? [], exclude: (o.exclude as string[] | undefined) ?? [], extend: o.extend === true };
  }
  throw new AiwError('CONFIG', `${where} must be a list of patterns or { patterns: [...], exclude: [...], extend: true|false }`);
}

/**
 * Compile the classes once per run. `classes` are the `auto_heal.classes` overrides (merged onto the
 * built-in auth, network and timeout); `extra` is a step's `detect_failure`, tried before them.
 * Order: a tool aiw killed at its time limit is `timeout`; then the step's patterns; then HTTP 401
 * (auth) and 502/503/504 (network); then each class in order (auth, network, timeout, then new ones),
 * the first pattern that matches deciding. Throws AiwError('PATTERN') naming any bad pattern.
 */
export function compileClassifier(classes?: FailureClasses | null, extra?: Readonly<Record<string, readonly string[]>> | null, origin = 'auto_heal.classes'): FailureClassifier {
  tookPath('classify');
  const compiled: CompiledClass[] = Object.entries(mergeFailureClasses(classes, origin)).map(([name, spec]) => ({
    name, patterns: classPatterns(spec.patterns, `${origin}.${name}`), exclude: classPatterns(spec.exclude, `${origin}.${name}.exclude`),
  }));
  const step: CompiledClass[] = Object.entries(extra ?? {}).map(([name, patterns]) => ({
    name, patterns: compilePatterns(normalize(patterns, `detect_failure.${name}`).patterns, `detect_failure.${name}`), exclude: [],
  }));
  const names = compiled.map((c) => c.name);
  return {
    classes: [...new Set([...step.map((c) => c.name), ...names])],
    classify(input) {
      if (input.timedOut) return { class: 'timeout', pattern: '(timeout)', matched: '', from: 'timeout' };
      const prepared = prepareText(input.text);
      const fromStep = matchClasses(step, prepared, 'step');
      if (fromStep) return fromStep;
      const byStatus = input.httpStatus === undefined ? undefined : STATUS_CLASSES[input.httpStatus];
      if (byStatus && names.includes(byStatus)) {
        return { class: byStatus, pattern: `(http ${input.httpStatus})`, matched: `HTTP ${input.httpStatus}`, from: 'status' };
      }
      return matchClasses(compiled, prepared, 'classes');
    },
  };
}

/**
 * Compile the patterns of `classes` ahead of `compileClassifier`, about a millisecond at a time, in
 * later turns of the event loop: a command that waits on the network meanwhile (a PostgreSQL login
 * and its queries) does this work in those waits instead of after them. The compiled patterns stay
 * in compilePattern's cache; one that does not compile is left for compileClassifier to report.
 */
export async function precompileClassifier(classes?: FailureClasses | null, sliceMs = 1): Promise<void> {
  let sources: string[];
  try {
    sources = patternSources(mergeFailureClasses(classes));
  } catch {
    return; // a config error: compileClassifier reports it
  }
  let since = -Infinity;
  for (const source of sources) {
    if (monotonicMs() - since >= sliceMs) {
      await nextTurn();
      since = monotonicMs();
    }
    try {
      compilePattern(source, undefined, isBuiltIn(source));
    } catch {
      // reported by compileClassifier, with the class it belongs to
    }
  }
}

/** Classify one failure; for many, compile once with `compileClassifier`. */
export function classify(input: ClassifyInput, classes?: FailureClasses | null, extra?: Readonly<Record<string, readonly string[]>> | null): Classification | null {
  return compileClassifier(classes, extra).classify(input);
}

function matchClasses(classes: readonly CompiledClass[], prepared: PreparedText, from: Classification['from']): Classification | null {
  for (const c of classes) {
    const hit = firstMatch(c.patterns, withoutExcludedLines(prepared, c.exclude));
    if (hit) return { class: c.name, pattern: hit.pattern.source, matched: hit.matched, from };
  }
  return null;
}

function withoutExcludedLines(prepared: PreparedText, exclude: readonly CompiledPattern[]): PreparedText {
  if (!exclude.length || !firstMatch(exclude, prepared)) return prepared;
  const kept = prepared.text.split('\n').filter((line) => !firstMatch(exclude, line));
  return prepareText(kept.join('\n'), Infinity); // already capped once
}
