#!/usr/bin/env bash
# 85-flat64-svm-qemu.sh - a flat 64-bit image with vms.cfg entry = long
# (tests/boot/flat64-vms.cfg, tests/guests/flat64.S) under SVM with nested
# paging in QEMU TCG: plinth places the boot GDT and an identity map of the
# low 4 GiB beside the image and starts the vCPU in long mode at the load
# address; the guest checks EFER.LMA, CR0.PG, CR4.PAE, CS/DS, IF and that
# its RAM is mapped, and exits with its failure count.
. "$(dirname "$0")/lib.sh"
bt_begin flat64-svm-qemu
bt_need_file "$BUILD/test-flat64.iso" "the flat64 ISO (make BUILD=$BUILD test-isos)"
QEMU_ACCEL=tcg QEMU_TCG_CPU=max bt_qemu 60 -m 512 -cdrom "$BUILD/test-flat64.iso"
bt_expect 'vm flat64: flat image flat64\.bin at 0x100000, long mode' "'vm flat64: flat image ... long mode'"
bt_expect_guests flat64
bt_expect_clean_vms flat64
bt_end
