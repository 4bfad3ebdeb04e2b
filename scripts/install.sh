#!/usr/bin/env bash
# Installs everything the README's two commands need, idempotently: first what keepalived-ts needs
# to run (scripts/install-product.sh: iproute2, nftables, conntrack, procps, npm dependencies,
# then the build), then what only the tests, benchmarks and demo use
# (scripts/install-test-deps.sh: the real keepalived, haproxy, wrk, ...). Run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-product.sh
bash scripts/install-test-deps.sh
