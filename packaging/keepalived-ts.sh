#!/bin/sh
# keepalived-ts: runs the daemon (installed in ../lib/keepalived-ts) with Debian's Node.js.
# The application is found beside this script, so a package tree unpacked anywhere (dpkg-deb -x)
# runs as it is: no setting names the install location.
here=$(dirname "$(readlink -f "$0")") || exit 1
# A 1 MB nursery, as the daemon's children have (daemon/supervisor.ts): the parent and -t keep
# less garbage resident (bench/vrrp-load: -t on 50,000 lines 122 -> 95 MB).
exec /usr/bin/node --max-semi-space-size=1 "$here/../lib/keepalived-ts/bin/keepalived-ts" "$@"
