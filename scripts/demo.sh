#!/usr/bin/env bash
# The main job, for now: install, then check and show the configurations from the seed articles
# the way `keepalived -t` would, followed by the resolved model of one of them.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
for f in test/fixtures/seeds/*.conf; do
  echo "=== keepalived-ts -t -f $f"
  ./bin/keepalived-ts -t -f "$f" || true
done
echo "=== keepalived-ts config --json -f test/fixtures/seeds/002-proxy101.conf"
./bin/keepalived-ts config --json -f test/fixtures/seeds/002-proxy101.conf
