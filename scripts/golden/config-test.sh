#!/usr/bin/env bash
# Records what the real Keepalived 2.2.7 says about each test configuration: for every file under
# test/fixtures/seeds/, test/fixtures/keepalived-samples/ (README.md aside) and
# test/fixtures/config-test/ (its include/ folder holds included files, not fixtures), runs
# `keepalived -t -f <path relative to test/fixtures>` from test/fixtures inside a fresh network
# namespace where only lo exists, so the interface warnings are the same on every machine, and
# writes test/fixtures/config-test-golden/<fixture>.txt: keepalived's stderr and stdout lines, then
# `exit N`. test/config/config-test-golden.test.ts compares keepalived-ts -t with these files.
#
# Needs root and /usr/sbin/keepalived (2.2.7); the namespace is deleted on exit.
set -euo pipefail

KEEPALIVED=/usr/sbin/keepalived
if [[ ! -x $KEEPALIVED ]]; then
  echo "config-test.sh: $KEEPALIVED is missing; the golden files are Keepalived's own output" >&2
  exit 1
fi
version=$("$KEEPALIVED" -v 2>&1) || true
version=${version%%$'\n'*}
case $version in
  "Keepalived v2.2.7 "*) ;;
  *) echo "config-test.sh: expected Keepalived v2.2.7, found: $version" >&2; exit 1 ;;
esac

here=$(cd "$(dirname "$0")" && pwd)
fixtures=$(cd "$here/../../test/fixtures" && pwd)
out=$fixtures/config-test-golden

ns=kts-golden-$$
ip netns add "$ns"
trap 'ip netns delete "$ns"' EXIT
ip netns exec "$ns" ip link set lo up

# One run: the golden file <name>.txt for `keepalived -t -f <rel> [extra args]`.
record() {
  local name=$1 rel=$2
  shift 2
  local text code=0
  # stderr through a pipe: Keepalived ends its console lines with a newline only then.
  text=$(cd "$fixtures" && ip netns exec "$ns" "$KEEPALIVED" -t -f "$rel" "$@" 2>&1) || code=$?
  {
    if [[ -n $text ]]; then printf '%s\n' "$text"; fi
    printf 'exit %d\n' "$code"
  } >"$out/$name.txt"
}

rm -rf "$out"
mkdir -p "$out"
n=0
for dir in seeds keepalived-samples config-test; do
  for path in "$fixtures/$dir"/*; do
    [[ -f $path ]] || continue
    name=$(basename "$path")
    [[ $name == README.md ]] && continue
    if [[ $name == keepalived.conf.conditional_conf ]]; then
      # Its lines depend on the config id: one golden file per id it knows.
      record "$name@high" "$dir/$name" -i high
      record "$name@low" "$dir/$name" -i low
      n=$((n + 2))
    else
      # A fixed config id: without -i Keepalived takes the host name.
      record "$name" "$dir/$name" -i test-host
      n=$((n + 1))
    fi
  done
done
echo "config-test.sh: $n golden files in ${out#"$fixtures/../../"}"
