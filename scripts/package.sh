#!/usr/bin/env bash
# npm run package: builds, from this checkout, into build/packages/
#   keepalived-ts-VERSION.tgz       the npm package, dist/src built in (npm install -g ./that.tgz)
#   keepalived-ts_VERSION_ARCH.deb  the Debian package, made with dpkg-deb alone
# The only network it needs is the npm registry (npm ci, for the production dependencies the
# .deb carries). It builds from a copy of the sources in build/stage, so the checkout's dist/ (which
# running tests may be reading) is neither rebuilt nor shipped with stale files.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
version=$(node -p 'require("./package.json").version')
arch=$(dpkg --print-architecture)
out=$repo/build/packages
stage=$repo/build/stage
[ -d node_modules ] || npm ci --no-audit --no-fund
rm -rf "$stage" "$out"
mkdir -p "$stage/src" "$out"

# 1. The npm tarball: `npm pack` runs prepack (tsc) in the copy; package.json "files" picks bin/,
#    dist/src/ (no maps), packaging/, docs/ and the READMEs.
cp -r bin src tools packaging docs package.json package-lock.json tsconfig.json README.md ARCHITECTURE.md "$stage/src/"
ln -s "$repo/node_modules" "$stage/src/node_modules"
(cd "$stage/src" && npm pack --silent --pack-destination "$out" >/dev/null)
tgz=$out/keepalived-ts-$version.tgz
[ -f "$tgz" ] || { echo "package.sh: npm pack made no $tgz" >&2; exit 1; }

# 2. The Debian package's tree: the tarball's contents with their production dependencies
#    (optional ones included: koffi's native binary is one) under /usr/lib/keepalived-ts.
root=$stage/deb
app=$root/usr/lib/keepalived-ts
mkdir -p "$app" "$root/usr/sbin" "$root/lib/systemd/system" "$root/etc/default" "$root/usr/share/doc/keepalived-ts" "$root/DEBIAN"
tar -xzf "$tgz" -C "$app" --strip-components=1
cp package-lock.json "$app/"
(cd "$app" && npm ci --omit=dev --no-audit --no-fund --loglevel=error >/dev/null)
install -m 755 packaging/keepalived-ts.sh "$root/usr/sbin/keepalived-ts"
install -m 644 packaging/keepalived-ts.service "$root/lib/systemd/system/keepalived-ts.service"
install -m 644 packaging/keepalived-ts.default "$root/etc/default/keepalived-ts"
install -m 644 packaging/debian/copyright "$root/usr/share/doc/keepalived-ts/copyright"
for page in packaging/man/*.[0-9]; do
  name=$(basename "$page")
  dir=$root/usr/share/man/man${name##*.}
  mkdir -p "$dir"
  sed "s/@VERSION@/$version/g" "$page" | gzip -9n > "$dir/$name.gz"
done

# 3. DEBIAN/: control (the size of the tree in KiB), the conffile, maintainer scripts, md5sums.
chmod -R u=rwX,go=rX "$root"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@INSTALLED_SIZE@/$size/" packaging/debian/control > "$root/DEBIAN/control"
echo /etc/default/keepalived-ts > "$root/DEBIAN/conffiles"
install -m 755 packaging/debian/postinst packaging/debian/prerm packaging/debian/postrm "$root/DEBIAN/"
(cd "$root" && find . -path ./DEBIAN -prune -o -path ./etc -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 md5sum) > "$root/DEBIAN/md5sums"
chmod 644 "$root/DEBIAN/md5sums" "$root/DEBIAN/control" "$root/DEBIAN/conffiles"
deb=$out/keepalived-ts_${version}_$arch.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
rm -rf "$stage"
ls -l "$tgz" "$deb"
