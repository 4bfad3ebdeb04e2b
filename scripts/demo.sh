#!/usr/bin/env bash
# The main job: install, check the seed articles' configurations the way `keepalived -t` would,
# then run seed 000's lab with keepalived-ts in network namespaces (root): two directors (VRRP +
# LVS DR) in front of two real servers; a client fetches pages through the VIP while a real
# server dies and returns and while the master director fails hard, comes back and stops.
# Then a short scripted session of `keepalived-ts lab` (seed 004's lab, which stays up between
# commands): up, traffic, lb1's cable pulled under traffic (the failover's outage in ms), healed,
# down. It uses a prefix and state directory of its own, so a lab you have up is left alone.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
for f in test/fixtures/seeds/*.conf; do
  echo "=== keepalived-ts -t -f $f"
  ./bin/keepalived-ts -t -f "$f" || true
done
echo "=== seed 000's lab in network namespaces"
node dist/src/lab/demo.js

echo "=== keepalived-ts lab: seed 004's lab by hand (lb1 MASTER 150, lb2 BACKUP 100, LVS DR, HTTP_GET)"
export KEEPALIVED_TS_LAB_PREFIX=ktsdemo- KEEPALIVED_TS_LAB_DIR=/run/keepalived-ts/lab-demo
lab() {
  echo "\$ keepalived-ts lab $*"
  ./bin/keepalived-ts lab "$@"
}
trap './bin/keepalived-ts lab down >/dev/null 2>&1 || true' EXIT
lab up
lab traffic --seconds 3
# lb1's cable is pulled while the client keeps asking: lb2 takes over after Master_Down.
lab traffic --seconds 8 &
traffic=$!
sleep 2
lab fail lb1
wait "$traffic"
lab heal lb1
lab traffic --seconds 3
lab down
trap - EXIT
