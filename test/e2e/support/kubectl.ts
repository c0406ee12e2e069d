import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { KUBECTL_BIN } from './require-binaries.js';

export interface KubeconfigOptions {
  /** `https://127.0.0.1:PORT` (KubeApiServer#url). */
  server: string;
  token: string;
  /** PEM of the server certificate (KubeApiServer#caCertPem); without it TLS checks are skipped. */
  caCertPem?: string;
  /** Defaults to 'aiw-e2e'; also used as the cluster and user name. */
  context?: string;
  /** Namespace of the context; kubectl uses it when no `-n` is given. */
  namespace?: string;
  /** Defaults to 'config'. */
  fileName?: string;
}

/** Writes a token-auth kubeconfig into `dir` and returns its path. */
export async function writeKubeconfig(dir: string, options: KubeconfigOptions): Promise<string> {
  const name = options.context ?? 'aiw-e2e';
  const cluster: Record<string, unknown> = { server: options.server };
  if (options.caCertPem === undefined) cluster['insecure-skip-tls-verify'] = true;
  else cluster['certificate-authority-data'] = Buffer.from(options.caCertPem).toString('base64');
  const context: Record<string, unknown> = { cluster: name, user: name };
  if (options.namespace !== undefined) context.namespace = options.namespace;
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: [{ name, cluster }],
    users: [{ name, user: { token: options.token } }],
    contexts: [{ name, context }],
    'current-context': name,
  };
  await mkdir(dir, { recursive: true });
  const path = join(dir, options.fileName ?? 'config');
  await writeFile(path, stringify(config), { mode: 0o600 });
  return path;
}

/**
 * The environment kubectl needs: the kubeconfig, and a discovery cache of its own. The cache
 * matters: kubectl keeps discovery for hours under ~/.kube/cache, which would hide a test's
 * change of metrics availability and leak state between test runs.
 */
export function kubectlEnv(kubeconfig: string, cacheDir: string): NodeJS.ProcessEnv {
  return { ...process.env, KUBECONFIG: kubeconfig, KUBECACHEDIR: cacheDir };
}

export interface KubectlResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface RunKubectlOptions {
  kubeconfig: string;
  cacheDir: string;
  /** Defaults to 20 s; `--request-timeout` is set too, so a dead server fails fast. */
  timeoutMs?: number;
  /** Defaults to KUBECTL_BIN ('kubectl' on PATH, or $AIW_E2E_KUBECTL). */
  kubectlPath?: string;
}

/** Runs the real kubectl; a non-zero exit is a result, not an exception. */
export function runKubectl(args: string[], options: RunKubectlOptions): Promise<KubectlResult> {
  const timeout = options.timeoutMs ?? 20_000;
  return new Promise((resolve, reject) => {
    execFile(
      options.kubectlPath ?? KUBECTL_BIN,
      [...args, `--request-timeout=${Math.ceil(timeout / 2000)}s`],
      { env: kubectlEnv(options.kubeconfig, options.cacheDir), timeout, maxBuffer: 8 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error === null) {
          resolve({ exitCode: 0, stdout, stderr });
        } else if (typeof error.code === 'number') {
          resolve({ exitCode: error.code, stdout, stderr });
        } else {
          reject(new Error(`kubectl ${args.join(' ')} did not run: ${error.message}\n${stderr}`, { cause: error }));
        }
      },
    );
  });
}
