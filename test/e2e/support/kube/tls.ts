import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface ServingCert {
  certPem: string;
  keyPem: string;
  certFile: string;
  keyFile: string;
}

/**
 * Makes a self-signed serving certificate for 127.0.0.1 with the real `openssl` binary.
 *
 * TLS is not optional: kubectl only sends a bearer token over https (clientcmd drops the user's
 * credentials for a plain-http server), so the 401 / login paths need a TLS server. The certificate
 * is its own CA, so a kubeconfig can trust it with `certificate-authority-data`.
 */
export async function makeServingCert(dir: string): Promise<ServingCert> {
  const certFile = join(dir, 'apiserver.crt');
  const keyFile = join(dir, 'apiserver.key');
  await execFileAsync(
    'openssl',
    [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-days', '7', '-subj', '/CN=aiw-e2e-kube-apiserver',
      '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout', keyFile, '-out', certFile,
    ],
    { timeout: 20_000 },
  );
  const [certPem, keyPem] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
  return { certPem, keyPem, certFile, keyFile };
}
