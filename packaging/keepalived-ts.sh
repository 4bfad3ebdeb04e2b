#!/bin/sh
# keepalived-ts: runs the daemon (installed in ../lib/keepalived-ts) with Debian's Node.js.
# The application is found beside this script, so a package tree unpacked anywhere (dpkg-deb -x)
# runs as it is: no setting names the install location.
here=$(dirname "$(readlink -f "$0")") || exit 1
exec /usr/bin/node "$here/../lib/keepalived-ts/bin/keepalived-ts" "$@"
