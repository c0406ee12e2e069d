#!/usr/bin/env bash
# Installs the real programs that the end-to-end tests drive: Prometheus and Alertmanager from
# Debian's packages (and openssl, which the fake Kubernetes API server uses for its certificate; faketime, which the
# clock-skew reliability test runs aiw under).
# Idempotent: installs only what is missing. The packages ship services; the tests start their
# own instances on free loopback ports, so no service may be started here.
set -euo pipefail

PACKAGES=(prometheus prometheus-alertmanager openssl faketime)
BINARIES=(/usr/bin/prometheus /usr/bin/prometheus-alertmanager /usr/bin/openssl /usr/bin/faketime)

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
  for port in 9090 9093 9094; do
    if ss -Hltn "sport = :$port" | grep -q .; then
      warn "something is listening on port $port (a packaged service?); the tests do not use it"
    fi
  done
fi

if command -v kubectl >/dev/null 2>&1; then
  log "kubectl: $(kubectl version --client 2>&1 | head -n 1)"
else
  warn "kubectl is not on PATH; the Kubernetes e2e tests will be skipped. The machine image ships it (google-cloud-cli, /usr/bin/kubectl); elsewhere put a kubectl v1.32 on PATH or set AIW_E2E_KUBECTL"
fi
