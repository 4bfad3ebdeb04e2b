#!/usr/bin/env bash
# Installs everything and runs every test (the README's test command; CI runs exactly this).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
npm test
