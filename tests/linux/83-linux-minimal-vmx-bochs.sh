#!/usr/bin/env bash
# 83-linux-minimal-vmx-bochs.sh - the VM of 80-linux-minimal (Debian cloud
# kernel, busybox initramfs, acpi=off ... ; tests/linux/vms-minimal.cfg)
# under VMX with EPT in Bochs (corei7_skylake_x): it must reach the /init
# marker. Bochs is slow (plain Bochs boots this kernel in ~80 s): generous
# timeout. Too slow for make test (about 3-4 minutes of wall time): run by
# make test-long (mk/linux.mk).
# boot-test: slow
. "$(dirname "$0")/../boot/lib.sh"
bt_begin linux-minimal-vmx-bochs
bt_need_file "$BUILD/test-linux-minimal.iso" "the Linux test ISO (make BUILD=$BUILD test-isos; needs apt-get download)"
bt_bochs 900 "$BUILD/test-linux-minimal.iso" 1
bt_expect 'virt: Intel VMX' "'virt: Intel VMX, ...' (VMX detected)"
bt_expect 'vm linux: Linux kernel vmlinuz \(boot protocol 2\.[0-9]+' "'vm linux: Linux kernel ...' (bzImage loaded)"
bt_expect '\[linux\] \[ *[0-9.]+\] Linux version [0-9]' "the kernel's 'Linux version' banner"
bt_expect '\[linux\] .*Run /init as init process' "'Run /init'"
bt_expect '\[linux\] (\[ *[0-9.]+\] )?PLINTH-LINUX-INIT: ok' "the /init marker"
bt_expect 'vm linux: stopped: halted with interrupts disabled' "'vm linux: stopped: halted ...'"
bt_reject 'unhandled exit|Kernel panic|BUG:|Oops' "a guest crash or unhandled exit"
bt_expect 'test_exit: boot test done' "'test_exit: boot test done'"
bt_end
