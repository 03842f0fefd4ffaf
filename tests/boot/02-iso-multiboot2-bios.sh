#!/usr/bin/env bash
# 02-iso-multiboot2-bios.sh - the GRUB ISO's multiboot2 entry under QEMU's
# BIOS (SeaBIOS, El Torito), 4 CPUs. test.iso is plinth.iso's generator with
# test_exit and no menu timeout.
. "$(dirname "$0")/lib.sh"
bt_begin iso-multiboot2-bios
bt_need_file "$BUILD/test.iso" "the test ISO (make BUILD=$BUILD test-isos)"
bt_qemu 60 -smp 4 -m 512 -cdrom "$BUILD/test.iso" -boot d
bt_expect 'multiboot ?2' "saying plinth was loaded by multiboot 2"
bt_expect_boot 4
bt_expect_exit
bt_end
