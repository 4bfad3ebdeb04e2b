#!/usr/bin/env bash
# The main job: install, check the seed articles' configurations the way `keepalived -t` would,
# then run seed 000's lab with keepalived-ts in network namespaces (root): two directors (VRRP +
# LVS DR) in front of two real servers; a client fetches pages through the VIP while a real
# server dies and returns and while the master director fails hard, comes back and stops.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
for f in test/fixtures/seeds/*.conf; do
  echo "=== keepalived-ts -t -f $f"
  ./bin/keepalived-ts -t -f "$f" || true
done
echo "=== seed 000's lab in network namespaces"
node dist/src/lab/demo.js
