#!/usr/bin/env bash
# Installs what keepalived-ts needs on a Debian machine, idempotently: the OS tools it drives
# (iproute2, nftables, conntrack), the real Keepalived as the interoperability reference, and the
# npm dependencies (which build bin/keepalived-ts through `prepare`). Run as root.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(iproute2 nftables conntrack keepalived procps psmisc iputils-ping tcpdump curl openssl wrk haproxy)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install.sh: need root to install ${missing[*]}" >&2
    exit 1
  fi
  apt-get update -qq
  # keepalived and haproxy are references for tests and benchmarks only: never let them start a service here.
  DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Optional dependencies stay (koffi ships its binary as one); dev dependencies build the project.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
else
  npm run build --silent
fi
