#!/usr/bin/env bash
# Installs the real programs that the end-to-end tests drive: Prometheus and Alertmanager from
# Debian's packages (and openssl, which the fake Kubernetes API server uses for its certificate;
# zsh and fish, whose completion scripts are loaded by test/cli/completion.test.ts; procps for `ps`,
# which the compute-process test uses to list aiw's children; bsdutils' `script`, for the 0-column
# terminal test, is essential in Debian and always there), and PostgreSQL for the memory backend's
# tests (they initdb and start their own server); faketime, which the clock-skew reliability test
# runs aiw under.
# Idempotent: installs only what is missing. The packages ship services; the tests start their
# own instances on free loopback ports, so no service may be started here.
set -euo pipefail

PACKAGES=(prometheus prometheus-alertmanager openssl zsh fish postgresql procps faketime)
# postgresql's server binaries live under its major version; any installed version will do.
PG_CTL="$(ls -1d /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | sort -V | tail -n 1 || true)"
BINARIES=(/usr/bin/prometheus /usr/bin/prometheus-alertmanager /usr/bin/openssl /usr/bin/zsh /usr/bin/fish "${PG_CTL:-/usr/lib/postgresql/none/bin/pg_ctl}" /usr/bin/ps /usr/bin/faketime)

log() { printf '[install-e2e-deps] %s\n' "$*"; }
warn() {
  printf '\n' >&2
  printf '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n' >&2
  printf '!!! [install-e2e-deps] WARNING: %s\n' "$*" >&2
  printf '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\n' >&2
}

missing=()
for i in "${!PACKAGES[@]}"; do
  if [[ ! -x "${BINARIES[$i]}" ]]; then
    missing+=("${PACKAGES[$i]}")
  fi
done

# Python compute and the differential Jinja test (dialect: python skills) need Debian's Jinja2.
if ! /usr/bin/python3 -c 'import jinja2' >/dev/null 2>&1; then
  missing+=(python3 python3-jinja2)
fi

if (( ${#missing[@]} > 0 )); then
  if [[ "$(id -u)" != 0 ]]; then
    SUDO=sudo
  else
    SUDO=
  fi

  # invoke-rc.d consults policy-rc.d; exit code 101 means "do not start services". Install one
  # only for the duration of this script if the machine has none, and remove it afterwards.
  policy=/usr/sbin/policy-rc.d
  created_policy=0
  if [[ ! -e "$policy" ]]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
    $SUDO chmod 0755 "$policy"
    created_policy=1
  fi
  cleanup() {
    if (( created_policy == 1 )); then
      $SUDO rm -f "$policy"
    fi
  }
  trap cleanup EXIT

  log "installing: ${missing[*]}"
  $SUDO apt-get update -qq
  # --no-install-recommends keeps prometheus-node-exporter (a service of its own) off the machine.
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}"
else
  log "already installed: ${PACKAGES[*]}"
fi

PG_CTL="$(ls -1d /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | sort -V | tail -n 1 || true)"
BINARIES[3]="${PG_CTL:-/usr/lib/postgresql/none/bin/pg_ctl}"
for bin in "${BINARIES[@]}"; do
  if [[ ! -x "$bin" ]]; then
    warn "$bin is still missing after the install; the e2e tests that need it will be skipped"
  elif [[ "$bin" == */openssl ]]; then
    log "$bin: $("$bin" version 2>&1 | head -n 1)"
  else
    log "$bin: $("$bin" --version 2>&1 | head -n 1)"
  fi
done

# The tests bind their own free ports, but a packaged service left on the default ports would
# mean something outside the tests is running: say so loudly rather than silently share ports.
if command -v ss >/dev/null 2>&1; then
  for port in 9090 9093 9094 5432; do
    if ss -Hltn "sport = :$port" | grep -q .; then
      warn "something is listening on port $port (a packaged service?); the tests do not use it"
    fi
  done
fi

if /usr/bin/python3 -c 'import jinja2' >/dev/null 2>&1; then
  log "python3: $(/usr/bin/python3 -c 'import sys, jinja2; print(sys.version.split()[0], "jinja2", jinja2.__version__)')"
else
  warn "/usr/bin/python3 cannot import jinja2 after the install; the Python compute and Jinja tests will fail in CI"
fi

if command -v kubectl >/dev/null 2>&1; then
  log "kubectl: $(kubectl version --client 2>&1 | head -n 1)"
else
  warn "kubectl is not on PATH; the Kubernetes e2e tests will be skipped. The machine image ships it (google-cloud-cli, /usr/bin/kubectl); elsewhere put a kubectl v1.32 on PATH or set AIW_E2E_KUBECTL"
fi
