import { execFileSync } from 'node:child_process';

let found: string | null | undefined;

/**
 * A python3 that can import Jinja2: `AIW_TEST_PYTHON`, else `python3` on PATH (which may be a pyenv
 * Python), else Debian's /usr/bin/python3 (python3-jinja2). In CI (AIW_E2E_REQUIRE_BINARIES=1)
 * there must be one: the suites that need it fail instead of skipping.
 */
export function jinjaPython(): string | undefined {
  if (found === undefined) {
    found = null;
    for (const candidate of [process.env.AIW_TEST_PYTHON, 'python3', '/usr/bin/python3']) {
      if (!candidate) continue;
      try {
        execFileSync(candidate, ['-c', 'import jinja2'], { stdio: 'ignore', timeout: 20_000 });
        found = candidate;
        break;
      } catch {
        // not this one: try the next candidate
      }
    }
  }
  if (found === null && process.env.AIW_E2E_REQUIRE_BINARIES === '1') {
    throw new Error('no python3 that can import jinja2 (install python3-jinja2: .ci/install-e2e-deps.sh does)');
  }
  return found ?? undefined;
}
