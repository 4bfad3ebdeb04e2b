#!/usr/bin/env bash
# Installs what keepalived-ts itself needs on a Debian machine, idempotently: the OS tools it
# drives (iproute2, nftables, conntrack, procps) and the npm dependencies (dev dependencies build
# dist/; optional ones stay, koffi ships its native binary as one). Run as root when a Debian
# package is missing. The Debian package (npm run package) depends on the same tools.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/apt-install.sh
apt_install iproute2 nftables conntrack procps

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run build --silent
