#!/usr/bin/env bash
# get-kernel.sh - fetch a stock Debian cloud kernel for the Linux-guest tests
# (tests/boot/8x-*.sh) without installing it: `apt-get download` of the
# linux-image-VERSION-cloud-amd64-unsigned package of the installed Debian
# release (the version linux-image-cloud-amd64 depends on), then
# `dpkg-deb -x` into a scratch directory; the bzImage is copied to OUT.
#
#   tests/linux/get-kernel.sh OUT      e.g. build/linux/vmlinuz
#
# Cached: nothing is fetched when OUT exists. Exits non-zero with one
# message when the package cannot be found or downloaded (no network, no
# apt lists: run `apt-get update` first).
set -euo pipefail

out=${1:?usage: get-kernel.sh OUT}
[ -s "$out" ] && exit 0
mkdir -p "$(dirname "$out")"

# linux-image-cloud-amd64 -> linux-image-6.1.0-NN-cloud-amd64 (signed); the
# -unsigned package of that version carries the same kernel.
dep=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
	sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-cloud-amd64\)$/\1/p' | head -n1)
if [ -z "$dep" ]; then
	echo "get-kernel.sh: apt does not know linux-image-cloud-amd64 (run apt-get update?)" >&2
	exit 1
fi
pkg=$dep-unsigned
work=$(mktemp -d "${TMPDIR:-/tmp}/plinth-kernel.XXXXXX")
trap 'rm -rf "$work"' EXIT
# apt-get download writes into the current directory; as root it also needs
# the _apt user to be able to write there.
chmod 777 "$work"
(cd "$work" && apt-get download -q "$pkg" >/dev/null) || {
	echo "get-kernel.sh: cannot download $pkg" >&2
	exit 1
}
dpkg-deb -x "$work"/"$pkg"_*.deb "$work/root"
img=$(ls "$work"/root/boot/vmlinuz-* 2>/dev/null | head -n1)
if [ -z "$img" ]; then
	echo "get-kernel.sh: $pkg has no /boot/vmlinuz-*" >&2
	exit 1
fi
cp "$img" "$out.tmp"
mv "$out.tmp" "$out"
echo "get-kernel.sh: $pkg -> $out ($(stat -c %s "$out") bytes)"
