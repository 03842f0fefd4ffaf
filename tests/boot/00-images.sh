#!/usr/bin/env bash
# 00-images.sh - the images are what loaders expect, before any emulator runs:
# plinth.elf carries valid multiboot 1 and multiboot 2 headers (GRUB's own
# checker, the same code path as its "multiboot"/"multiboot2" commands), and
# plinth.iso boots on both BIOS and UEFI (El Torito entries for both).
# Prints one PASS/FAIL line per check.
. "$(dirname "$0")/lib.sh"
status=0

check() {   # check NAME COMMAND... : one result line
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		echo "PASS: $name"
	else
		echo "FAIL: $name: '$*' failed${out:+: $out}"
		status=1
	fi
}

elf=$BUILD/plinth.elf
iso=$BUILD/plinth.iso
check multiboot1-header grub-file --is-x86-multiboot "$elf"
check multiboot2-header grub-file --is-x86-multiboot2 "$elf"

# xorriso lists the El Torito boot images: platform_id 0x00 is BIOS, 0xef UEFI.
iso_platforms() {
	[ -f "$iso" ] || { echo "$iso missing"; return 1; }
	local report
	report=$(xorriso -indev "$iso" -report_el_torito plain 2>/dev/null) || { echo "xorriso cannot read $iso"; return 1; }
	echo "$report" | grep -q 'El Torito boot img :   1  BIOS' || { echo "no BIOS boot image"; return 1; }
	echo "$report" | grep -q 'El Torito boot img : .* UEFI' || { echo "no UEFI boot image"; return 1; }
}
check iso-bios-and-uefi iso_platforms
exit $status
