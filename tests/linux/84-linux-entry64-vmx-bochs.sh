#!/usr/bin/env bash
# 84-linux-entry64-vmx-bochs.sh - the VM of tests/boot/84-linux-entry64
# (Debian cloud kernel through the 64-bit boot protocol, entry = long;
# tests/linux/vms-long.cfg) under VMX with EPT in Bochs
# (corei7_skylake_x): it must reach the /init marker and power off. Too
# slow for make test (minutes of Bochs): run by make test-long.
# boot-test: slow
. "$(dirname "$0")/../boot/lib.sh"
bt_begin linux-entry64-vmx-bochs
bt_need_file "$BUILD/test-linux-long.iso" "the Linux test ISO (make BUILD=$BUILD test-isos; needs apt-get download)"
bt_bochs 900 "$BUILD/test-linux-long.iso" 1
bt_expect 'virt: Intel VMX' "'virt: Intel VMX, ...' (VMX detected)"
bt_expect 'vm linux: Linux kernel vmlinuz \(boot protocol 2\.[0-9]+.*64-bit entry at 0x100200' "'vm linux: ... 64-bit entry at 0x100200'"
bt_expect '\[linux\] \[ *[0-9.]+\] Linux version [0-9]' "the kernel's 'Linux version' banner"
bt_expect '\[linux\] (\[ *[0-9.]+\] )?PLINTH-LINUX-INIT: ok' "the /init marker"
bt_expect 'vm linux: stopped: powered off by the guest \(ACPI S5\)' "'vm linux: stopped: powered off ...'"
bt_reject 'unhandled exit|Kernel panic|BUG:|Oops|triple fault' "a guest crash or unhandled exit"
bt_expect 'test_exit: boot test done' "'test_exit: boot test done'"
bt_end
