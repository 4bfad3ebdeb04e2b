#!/usr/bin/env bash
# The main job: install, check the seed articles' configurations the way `keepalived -t` would,
# then run seed 000's HA pair with keepalived-ts in a lab of network namespaces (root): a client
# pings the VIP while the master fails hard, comes back and stops.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
for f in test/fixtures/seeds/*.conf; do
  echo "=== keepalived-ts -t -f $f"
  ./bin/keepalived-ts -t -f "$f" || true
done
echo "=== seed 000 in a namespace lab"
node dist/src/lab/demo.js
