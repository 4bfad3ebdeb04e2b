#!/usr/bin/env bash
# Installs what the tests, benchmarks and demo use besides keepalived-ts's own needs, idempotently:
# the real Keepalived and HAProxy as references, wrk, tcpdump, curl, openssl, psmisc, ping, and
# dpkg-dev, systemd and man-db for the packaging test (dpkg-deb, systemd-analyze verify, man -l),
# Prometheus and Chromium for the observability tests (a real scrape, the live page in a browser),
# FRR and BIRD (the routers and BGP speakers of the scale-out tests) and conntrackd (NAT state sync).
# keepalived-ts itself never needs any of these. Run as root when one is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/apt-install.sh
apt_install keepalived haproxy wrk tcpdump curl openssl psmisc iputils-ping dpkg-dev systemd man-db groff-base prometheus chromium frr bird2 conntrackd
