#!/usr/bin/env bash
# 80-linux-minimal-svm-qemu.sh - an unmodified Debian cloud kernel boots
# under plinth (SVM with nested paging, QEMU TCG -cpu max) as a 1-vCPU VM
# from vms.cfg (kernel=, initrd=, cmdline=; tests/linux/vms-minimal.cfg)
# with the minimal PC device set (acpi=off pci=off noapic nolapic): the
# Linux boot protocol loader, the 8259 pair, the 8254 (IRQ 0 drives the
# kernel's tick), the RTC, COM1. The busybox /init must print its marker
# lines; its poweroff cannot reach ACPI, so the kernel halts with interrupts
# off and plinth stops the VM.
# boot-test: slow
. "$(dirname "$0")/lib.sh"
bt_begin linux-minimal-svm-qemu
bt_need_file "$BUILD/test-linux-minimal.iso" "the Linux test ISO (make BUILD=$BUILD test-isos; needs apt-get download)"
QEMU_ACCEL=tcg QEMU_TCG_CPU=max bt_qemu 120 -m 1024 -cdrom "$BUILD/test-linux-minimal.iso"
bt_expect 'virt: AMD SVM' "'virt: AMD SVM, ...' (SVM detected)"
bt_expect 'vm linux: Linux kernel vmlinuz \(boot protocol 2\.[0-9]+' "'vm linux: Linux kernel ...' (bzImage loaded)"
bt_expect '\[linux\] \[ *[0-9.]+\] Linux version [0-9]' "the kernel's 'Linux version' banner"
bt_expect '\[linux\] .*BIOS-e820: \[mem 0x0000000000100000-0x000000000fffffff\] usable' "the e820 map with 256 MiB"
bt_expect '\[linux\] .*Run /init as init process' "'Run /init' (the initramfs was found)"
bt_expect '\[linux\] (\[ *[0-9.]+\] )?PLINTH-LINUX-INIT: ok' "the /init marker"
bt_expect '\[linux\] (\[ *[0-9.]+\] )?PLINTH-LINUX-INIT: cpus 1' "/init's CPU count"
bt_expect 'vm linux: stopped: halted with interrupts disabled' "'vm linux: stopped: halted ...' (the guest halted after poweroff)"
bt_expect 'vm linux: stopped after [0-9.]+ s' "the VM's statistics line"
bt_reject 'unhandled exit|Kernel panic|BUG:|Oops' "a guest crash or unhandled exit"
bt_expect 'test_exit: boot test done' "'test_exit: boot test done' (plinth went on after the VM)"
bt_expect_exit
bt_end
