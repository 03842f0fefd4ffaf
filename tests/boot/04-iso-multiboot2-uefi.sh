#!/usr/bin/env bash
# 04-iso-multiboot2-uefi.sh - the GRUB ISO's multiboot2 entry on UEFI
# firmware (OVMF, GRUB's x86_64-efi image from the ISO's El Torito EFI
# entry), 4 CPUs. plinth must notice it was started by UEFI firmware (the
# multiboot2 EFI system table tag).
. "$(dirname "$0")/lib.sh"
bt_begin iso-multiboot2-uefi
bt_need_file "$BUILD/test.iso" "the test ISO (make BUILD=$BUILD test-isos)"
[ -d /usr/lib/grub/x86_64-efi ] || { bt_fail "GRUB for UEFI is not installed (grub-efi-amd64-bin): the ISO cannot boot on UEFI"; bt_end; }
ovmf=$(bt_ovmf_args) || { bt_fail "no OVMF firmware in /usr/share/OVMF (package ovmf)"; bt_end; }
# shellcheck disable=SC2086 # two -drive arguments
bt_qemu 90 -smp 4 -m 512 $ovmf -cdrom "$BUILD/test.iso"
bt_expect 'multiboot ?2' "saying plinth was loaded by multiboot 2"
bt_expect 'UEFI|EFI system table' "saying plinth was started by UEFI firmware"
bt_expect_boot 4
bt_expect_exit
bt_end
