#!/usr/bin/env bash
# 03-iso-multiboot1-bios.sh - the GRUB ISO's multiboot (version 1) entry
# under QEMU's BIOS, 4 CPUs (test-mb1.iso: same generator, default entry mb1).
. "$(dirname "$0")/lib.sh"
bt_begin iso-multiboot1-bios
bt_need_file "$BUILD/test-mb1.iso" "the test ISO (make BUILD=$BUILD test-isos)"
bt_qemu 60 -smp 4 -m 512 -cdrom "$BUILD/test-mb1.iso" -boot d
bt_expect 'multiboot ?1' "saying plinth was loaded by multiboot 1"
bt_expect_boot 4
bt_expect_exit
bt_end
