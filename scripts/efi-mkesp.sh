#!/bin/sh
# efi-mkesp.sh IMAGE CONFIG PLINTH_EFI PLINTH_ELF - build a FAT32 disk image
# that UEFI firmware boots from as removable media (a "superfloppy": FAT
# straight on the disk, no partition table; write it to a USB stick with dd,
# or copy its files to a server's ESP, see docs/uefi.md):
#
#   /EFI/BOOT/BOOTX64.EFI   PLINTH_EFI (the default removable-media boot
#                           path, UEFI 2.10 §3.5.1.1)
#   /EFI/BOOT/plinth.cfg    CONFIG
#   /EFI/BOOT/<kernel>      PLINTH_ELF, under the name the config's
#                           "kernel =" gives (default plinth.elf)
#   /EFI/BOOT/<module>      every "module =" file of CONFIG; names starting
#                           with '/' go that path from the volume root
#
# Module files are looked up under each directory of ESP_SEARCH (default
# "."), by the name the config gives. A module that cannot be found is an
# error, unless ESP_ALLOW_MISSING=1 (images for testing plinth.efi's error
# path). Only mtools is used: no root, no loop mounts.
set -eu

if [ $# -ne 4 ]; then
	echo "usage: $0 IMAGE CONFIG PLINTH_EFI PLINTH_ELF" >&2
	exit 2
fi
image=$1 cfg=$2 app=$3 kernel=$4
search=${ESP_SEARCH:-.}
allow_missing=${ESP_ALLOW_MISSING:-0}

die() { echo "efi-mkesp: $*" >&2; exit 1; }

command -v mformat >/dev/null 2>&1 || die "mformat not found: install mtools"
[ -f "$cfg" ] || die "configuration $cfg not found"
[ -f "$app" ] || die "$app not found (make efi)"

# The value of every "KEY = value" line (plinth.cfg syntax: efi_cfg.h).
cfg_values() {
	tr -d '\r' < "$cfg" |
		sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*//p" |
		sed 's/[[:space:]]*$//'
}

# ESP path of a config file name: from the root if it starts with a
# separator, else in /EFI/BOOT; '\' becomes '/' and empty components go.
esp_path() {
	case "$1" in
	/*|\\*) p=$1 ;;
	*) p=/EFI/BOOT/$1 ;;
	esac
	printf '%s\n' "$p" | tr '\\' '/' | sed 's://*:/:g'
}

tmpdir=$(mktemp -d "${TMPDIR:-/tmp}/efi-mkesp.XXXXXX")
trap 'rm -rf "$tmpdir"' EXIT
list=$tmpdir/files        # lines "SOURCE<TAB>ESP-PATH"

printf '%s\t%s\n' "$app" /EFI/BOOT/BOOTX64.EFI >> "$list"
printf '%s\t%s\n' "$cfg" /EFI/BOOT/plinth.cfg >> "$list"

kname=$(cfg_values kernel | head -n 1)
[ -n "$kname" ] || kname=plinth.elf
if [ -f "$kernel" ]; then
	printf '%s\t%s\n' "$kernel" "$(esp_path "$kname")" >> "$list"
elif [ "$allow_missing" = 1 ]; then
	echo "efi-mkesp: warning: $kernel not found; the image has no $kname" >&2
else
	die "$kernel not found (make kernel)"
fi

cfg_values module | awk '{ print $1 }' > "$tmpdir/modules"
while read -r name; do
	[ -n "$name" ] || continue
	rel=$(printf '%s\n' "$name" | tr '\\' '/' | sed 's:^/*::')
	src=
	for dir in $search; do
		if [ -f "$dir/$rel" ]; then
			src=$dir/$rel
			break
		fi
	done
	if [ -n "$src" ]; then
		printf '%s\t%s\n' "$src" "$(esp_path "$name")" >> "$list"
	elif [ "$allow_missing" = 1 ]; then
		echo "efi-mkesp: warning: module $name not found in $search; left out" >&2
	else
		die "module $name (named in $cfg) not found in: $search"
	fi
done < "$tmpdir/modules"

# Size: the files plus a quarter and 16 MiB for FAT metadata, at least
# 64 MiB so the volume is FAT32 (the type UEFI 2.10 §13.3.1.1 requires of
# a system partition; 65525 clusters or more). The file is sparse.
bytes=0
while IFS='	' read -r src dst; do
	bytes=$((bytes + $(stat -c %s "$src")))
done < "$list"
mib=$((bytes * 5 / 4 / 1048576 + 16))
[ "$mib" -ge 64 ] || mib=64

tmpimg=$image.tmp
rm -f "$tmpimg"
mkdir -p "$(dirname "$image")"
truncate -s "${mib}M" "$tmpimg"
export MTOOLS_SKIP_CHECK=1
# -F: FAT32; -T total sectors; -h/-s: a geometry mtools accepts for any
# size; -N: fixed serial number so identical inputs give identical images.
mformat -i "$tmpimg" -F -T $((mib * 2048)) -h 64 -s 32 -v PLINTH -N 504c4e54 :: ||
	die "mformat failed on $tmpimg"

made=" "
while IFS='	' read -r src dst; do
	dir=$(dirname "$dst")
	# Create each missing parent directory, top down.
	path=
	for comp in $(printf '%s\n' "$dir" | tr '/' ' '); do
		path=$path/$comp
		case "$made" in
		*" $path "*) ;;
		*) mmd -i "$tmpimg" "::$path" 2>/dev/null || true
		   made="$made$path " ;;
		esac
	done
	mcopy -o -i "$tmpimg" "$src" "::$dst" || die "cannot copy $src to $dst"
done < "$list"

mv "$tmpimg" "$image"
echo "  ESP     $image (${mib} MiB FAT32): $(cut -f2 "$list" | tr '\n' ' ')"
