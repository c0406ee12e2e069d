#!/usr/bin/env node
// A stand-in for "connect the VPN" and "log in to the cluster" that end-to-end tests hand to aiw
// as fix commands. It talks to the control endpoint of the test's fake API server
// (test/e2e/support/kube-control.ts); `login` writes the new token with the real kubectl.
//
//   kube-control.mjs up    [--control URL]                    start the API server
//   kube-control.mjs down  [--control URL]                    stop it
//   kube-control.mjs login [--control URL] [--kubeconfig F]   new token into the kubeconfig
//
// --control defaults to $AIW_E2E_KUBE_CONTROL; --kubeconfig to $KUBECONFIG.
import { execFileSync } from 'node:child_process';

const USAGE = 'usage: kube-control.mjs up|down|login [--control URL] [--kubeconfig FILE]';

function option(args, name) {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
}

async function call(control, method, path) {
  let response;
  try {
    response = await globalThis.fetch(`${control}${path}`, { method, signal: globalThis.AbortSignal.timeout(10_000) });
  } catch (error) {
    throw new Error(`cannot reach the control endpoint ${control}: ${error.message}`, { cause: error });
  }
  const body = await response.text();
  if (!response.ok) throw new Error(`control endpoint answered ${response.status}: ${body}`);
  return body;
}

function kubectl(args, kubeconfig) {
  return execFileSync(process.env.AIW_E2E_KUBECTL ?? 'kubectl', [...args, `--kubeconfig=${kubeconfig}`], {
    encoding: 'utf8', timeout: 20_000, stdio: ['ignore', 'pipe', 'inherit'],
  });
}

async function main(argv) {
  const [command, ...rest] = argv;
  const control = option(rest, '--control') ?? process.env.AIW_E2E_KUBE_CONTROL;
  if (control === undefined || !['up', 'down', 'login'].includes(command ?? '')) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  if (command === 'up') {
    const url = await call(control, 'POST', '/up');
    process.stdout.write(`VPN connected: Kubernetes API ${url} is reachable\n`);
    return 0;
  }
  if (command === 'down') {
    const url = await call(control, 'POST', '/down');
    process.stdout.write(`VPN disconnected: Kubernetes API ${url} is unreachable\n`);
    return 0;
  }
  const kubeconfig = option(rest, '--kubeconfig') ?? process.env.KUBECONFIG;
  if (kubeconfig === undefined) {
    process.stderr.write(`login needs --kubeconfig or KUBECONFIG\n${USAGE}\n`);
    return 2;
  }
  const token = await call(control, 'POST', '/token');
  const user = kubectl(['config', 'view', '--minify', '-o', 'jsonpath={.contexts[0].context.user}'], kubeconfig).trim();
  if (user === '') throw new Error(`no user in the current context of ${kubeconfig}`);
  kubectl(['config', 'set-credentials', user, `--token=${token}`], kubeconfig);
  process.stdout.write(`Logged in as ${user}; new token written to ${kubeconfig}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (error) => {
    process.stderr.write(`kube-control: ${error.message}\n`);
    process.exitCode = 1;
  },
);
