#!/usr/bin/env bash
# Installs everything and runs every test (the README's test command; CI runs exactly this).
# A skipped test fails the run: here the tests have root, namespaces and every reference program
# (scripts/install.sh installs them), so a skip means something is missing, not optional.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
log=$(mktemp)
trap 'rm -f "$log"' EXIT
npm test 2>&1 | tee "$log"
skipped=$(sed -n 's/^ℹ skipped \([0-9]*\)$/\1/p' "$log" | tail -n 1)
if [ "${skipped:-0}" != 0 ]; then
  echo "scripts/test.sh: ${skipped} test(s) skipped; a skip is a failure here:" >&2
  grep -E '# SKIP' "$log" >&2 || true
  exit 1
fi
