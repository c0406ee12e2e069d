import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

/** Paths can be overridden for machines that keep these programs elsewhere. */
export const KUBECTL_BIN = process.env.AIW_E2E_KUBECTL ?? 'kubectl';
export const PROMETHEUS_BIN = process.env.AIW_E2E_PROMETHEUS ?? '/usr/bin/prometheus';
export const ALERTMANAGER_BIN = process.env.AIW_E2E_ALERTMANAGER ?? '/usr/bin/prometheus-alertmanager';
export const OPENSSL_BIN = 'openssl';

export type E2eBinary = 'kubectl' | 'openssl' | 'prometheus' | 'alertmanager';

const BINARIES: Record<E2eBinary, { command: string; install: string }> = {
  kubectl: {
    command: KUBECTL_BIN,
    install: 'install kubectl (v1.32 is what CI has) on PATH, or set AIW_E2E_KUBECTL',
  },
  openssl: {
    command: OPENSSL_BIN,
    install: 'apt-get install -y openssl (the fake API server makes its TLS certificate with it)',
  },
  prometheus: {
    command: PROMETHEUS_BIN,
    install: 'bash .ci/install-e2e-deps.sh (apt-get install prometheus), or set AIW_E2E_PROMETHEUS',
  },
  alertmanager: {
    command: ALERTMANAGER_BIN,
    install: 'bash .ci/install-e2e-deps.sh (apt-get install prometheus-alertmanager), or set AIW_E2E_ALERTMANAGER',
  },
};

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    // Not there or not executable: both mean "missing" to the caller.
    return false;
  }
}

/** The absolute path of `command` (a path, or a name looked up on PATH), or undefined. */
export function findBinary(command: string): string | undefined {
  if (isAbsolute(command) || command.includes('/')) return isExecutable(command) ? command : undefined;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, command);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

export function missingBinaries(needed: E2eBinary[]): E2eBinary[] {
  return needed.filter((b) => findBinary(BINARIES[b].command) === undefined);
}

/**
 * True when every program is there. Otherwise warns loudly, saying what is missing and how to
 * install it, and returns false so the suite can `describe.skipIf(!ok)`. With
 * AIW_E2E_REQUIRE_BINARIES=1 (for CI, where they are installed) a missing program throws instead,
 * so a broken install cannot pass as a skipped suite.
 */
export function requireBinaries(needed: E2eBinary[], suite: string): boolean {
  const missing = missingBinaries(needed);
  if (missing.length === 0) return true;
  const lines = missing.map((b) => `  - ${b} (${BINARIES[b].command}): ${BINARIES[b].install}`);
  const message = [
    '',
    '!'.repeat(78),
    `!!! E2E SUITE "${suite}" SKIPPED: missing program${missing.length > 1 ? 's' : ''}`,
    ...lines,
    '!'.repeat(78),
    '',
  ].join('\n');
  if (process.env.AIW_E2E_REQUIRE_BINARIES === '1') {
    throw new Error(`AIW_E2E_REQUIRE_BINARIES=1 but programs are missing:${message}`);
  }
  console.warn(message);
  return false;
}
