#!/usr/bin/env bash
# Regenerates test/fixtures/keepalived-help.txt, the golden `keepalived --help` of Keepalived 2.2.7
# (Debian bookworm's package) that test/cli/options.test.ts reads, so the tests need no Keepalived
# installed. Keepalived prints its help on stderr; the program name is written as plain `keepalived`.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ "$(keepalived -v 2>&1 | sed -n 1p)" =~ ^Keepalived\ v2\.2\.7\  ]] || { echo "keepalived-help.sh: needs Keepalived 2.2.7" >&2; exit 1; }
keepalived --help 2>&1 | sed 's#^Usage: [^ ]*keepalived#Usage: keepalived#' > test/fixtures/keepalived-help.txt
