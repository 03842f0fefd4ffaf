#!/usr/bin/env bash
# 01-qemu-multiboot1.sh - QEMU loads plinth.elf itself (-kernel: multiboot 1
# through the a.out kludge), 4 CPUs, 512 MiB. The whole boot, to power-off by
# test_exit, must finish within 10 s of wall time (the boot acceptance limit).
. "$(dirname "$0")/lib.sh"
bt_begin qemu-multiboot1
bt_need_file "$BUILD/plinth.elf" "the kernel (make BUILD=$BUILD kernel)"
bt_qemu 30 -smp 4 -m 512 -kernel "$BUILD/plinth.elf" -append "test_exit"
bt_expect_boot 4
bt_expect_exit
bt_expect_within 10
bt_end
