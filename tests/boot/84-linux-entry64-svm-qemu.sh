#!/usr/bin/env bash
# 84-linux-entry64-svm-qemu.sh - the Debian cloud kernel entered through
# the 64-bit boot protocol (tests/linux/vms-long.cfg, entry = long;
# boot.rst "64-bit BOOT PROTOCOL"): plinth builds an identity map of the
# low 4 GiB in guest memory, puts the vCPU in long mode with a 64-bit code
# segment at 0x10 and enters at code32_start + 0x200 with RSI = the zero
# page. Under SVM with nested paging (QEMU TCG -cpu max) the kernel must
# find its ACPI tables, reach the /init marker and power off through ACPI.
# boot-test: slow
. "$(dirname "$0")/lib.sh"
bt_begin linux-entry64-svm-qemu
bt_need_file "$BUILD/test-linux-long.iso" "the Linux test ISO (make BUILD=$BUILD test-isos; needs apt-get download)"
QEMU_ACCEL=tcg QEMU_TCG_CPU=max bt_qemu 120 -m 1024 -cdrom "$BUILD/test-linux-long.iso"
bt_expect 'virt: AMD SVM' "'virt: AMD SVM, ...' (SVM detected)"
bt_expect 'vm linux: Linux kernel vmlinuz \(boot protocol 2\.[0-9]+.*64-bit entry at 0x100200' "'vm linux: ... 64-bit entry at 0x100200'"
bt_expect '\[linux\] \[ *[0-9.]+\] Linux version [0-9]' "the kernel's 'Linux version' banner"
bt_expect '\[linux\] .*ACPI: RSDP 0x00000000000E0000' "the guest's RSDP from the zero page"
bt_expect '\[linux\] (\[ *[0-9.]+\] )?PLINTH-LINUX-INIT: ok' "the /init marker"
bt_expect 'vm linux: stopped: powered off by the guest \(ACPI S5\)' "'vm linux: stopped: powered off ...'"
bt_reject 'unhandled exit|Kernel panic|BUG:|Oops|triple fault' "a guest crash or unhandled exit"
bt_expect 'test_exit: boot test done' "'test_exit: boot test done'"
bt_expect_exit
bt_end
