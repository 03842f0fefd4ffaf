#!/usr/bin/env bash
# deps.sh - make sure every tool that plinth's build, tests and emulator runs
# need is installed (Debian 12 package names).
#
#   scripts/deps.sh           check; install what is missing (as root) or
#                             print the exact apt-get line and fail (not root)
#   scripts/deps.sh --check   check only: list what is missing, exit 1 if any
#
# A fast no-op (a few stat calls) when everything is present. The make
# targets iso, run, debug and test depend on a stamp that runs it once per
# build directory (mk/deps.mk).
set -euo pipefail

check_only=0
case "${1:-}" in
--check) check_only=1 ;;
"") ;;
*) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

missing_pkgs=()
missing_what=()

note_missing() {   # note_missing PACKAGE WHAT
	missing_what+=("$2 (package $1)")
	local p
	for p in "${missing_pkgs[@]+"${missing_pkgs[@]}"}"; do
		[ "$p" = "$1" ] && return 0
	done
	missing_pkgs+=("$1")
}

need_cmd() {       # need_cmd COMMAND PACKAGE
	command -v "$1" >/dev/null 2>&1 || note_missing "$2" "command $1"
}

need_file() {      # need_file PACKAGE PATH... : at least one PATH exists
	local pkg=$1 f
	shift
	for f in "$@"; do
		[ -e "$f" ] && return 0
	done
	note_missing "$pkg" "file $1"
}

need_pkg() {       # need_pkg PACKAGE : installed according to dpkg
	command -v dpkg-query >/dev/null 2>&1 || return 0   # not Debian: trust need_cmd
	case "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" in
	*" installed") ;;
	*) note_missing "$1" "installed package" ;;
	esac
}

check_all() {
	missing_pkgs=()
	missing_what=()
	# Compilers and binutils: the kernel is built with gcc and with clang.
	need_cmd gcc gcc
	need_cmd clang clang
	need_cmd make make
	need_cmd ld binutils
	need_cmd nm binutils
	need_cmd objcopy binutils
	# GRUB rescue ISOs (BIOS + UEFI hybrid) and the multiboot header checks.
	need_cmd grub-mkrescue grub-common
	need_cmd grub-file grub-common
	need_file grub-pc-bin /usr/lib/grub/i386-pc/multiboot2.mod
	need_file grub-efi-amd64-bin /usr/lib/grub/x86_64-efi/multiboot2.mod
	need_cmd xorriso xorriso
	need_cmd mformat mtools
	# Emulators and firmware.
	need_cmd qemu-system-x86_64 qemu-system-x86
	need_cmd bochs bochs
	need_file bochs /usr/lib/x86_64-linux-gnu/bochs/plugins/libbx_rfb_gui.so.0
	need_file bochsbios /usr/share/bochs/BIOS-bochs-latest
	need_file vgabios /usr/share/vgabios/vgabios.bin
	need_file ovmf /usr/share/OVMF/OVMF_CODE_4M.fd /usr/share/OVMF/OVMF_CODE.fd
	need_file ovmf /usr/share/OVMF/OVMF_VARS_4M.fd /usr/share/OVMF/OVMF_VARS.fd
	# Host unit tests (cmocka) and the native UEFI loader (GNU-EFI).
	need_file libcmocka-dev /usr/include/cmocka.h
	need_file libcmocka-dev /usr/lib/x86_64-linux-gnu/libcmocka.so
	need_file gnu-efi /usr/include/efi/efi.h
	need_file gnu-efi /usr/lib/crt0-efi-x86_64.o
	need_file gnu-efi /usr/lib/elf_x86_64_efi.lds
	# Guest images (busybox initramfs) and debugging.
	need_pkg busybox-static
	need_cmd cpio cpio
	need_cmd gdb gdb
	need_cmd timeout coreutils
	need_cmd python3 python3      # tests/console/session.py: the scripted serial sessions
}

check_all
[ ${#missing_pkgs[@]} -eq 0 ] && exit 0

echo "deps: missing:" >&2
printf '  %s\n' "${missing_what[@]}" >&2
if [ "$check_only" = 1 ]; then
	echo "deps: install with: sudo apt-get install -y --no-install-recommends ${missing_pkgs[*]}" >&2
	exit 1
fi
if [ "$EUID" -ne 0 ]; then
	echo "deps: not root; run:" >&2
	echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing_pkgs[*]}" >&2
	exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
	echo "deps: no apt-get here; install the Debian packages ${missing_pkgs[*]} or their equivalents" >&2
	exit 1
fi
echo "deps: installing ${missing_pkgs[*]}"
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing_pkgs[@]}"

check_all
if [ ${#missing_pkgs[@]} -ne 0 ]; then
	echo "deps: still missing after apt-get install:" >&2
	printf '  %s\n' "${missing_what[@]}" >&2
	exit 1
fi
echo "deps: all present"
