#!/bin/sh
# keepalived-ts: runs the daemon (installed in ../lib/keepalived-ts) with Debian's Node.js.
# The application is found beside this script, so a package tree unpacked anywhere (dpkg-deb -x)
# runs as it is: no setting names the install location.
here=$(dirname "$(readlink -f "$0")") || exit 1
# bin/keepalived-ts's own flags, from its #! line (test/cli/front-bundle.test.ts holds them equal):
# a 1 MB nursery, as the daemon's children have, and TurboFan only for the lexer's loop until bin
# lets it optimize everything for the daemon, and scavenges without helper threads; with other
# flags V8 refuses the code cache of -t's bundle.
exec /usr/bin/node --max-semi-space-size=1 --turbo-filter=lexConfigFile --no-parallel-scavenge "$here/../lib/keepalived-ts/bin/keepalived-ts" "$@"
