#!/usr/bin/env bash
# 82-linux-apic-svm-qemu.sh - the kernel of 81-linux-acpi (ACPI on, the
# local APIC shown in CPUID leaf 1) takes the MADT's local APIC and I/O
# APIC and must route the timer through the I/O APIC (ISA override IRQ 0
# -> pin 2), the UART's IRQ 4 through pin 4 with the local APIC's EOI, and
# still reach the /init marker and power off.
# boot-test: slow
. "$(dirname "$0")/lib.sh"
bt_begin linux-apic-svm-qemu
bt_need_file "$BUILD/test-linux-acpi.iso" "the Linux test ISO (make BUILD=$BUILD test-isos; needs apt-get download)"
QEMU_ACCEL=tcg QEMU_TCG_CPU=max bt_qemu 120 -m 1024 -cdrom "$BUILD/test-linux-acpi.iso"
bt_expect '\[linux\] .*IOAPIC\[0\]: apic_id 0, version 32, address 0xfec00000, GSI 0-23' "the MADT's I/O APIC"
bt_expect '\[linux\] .*ACPI: INT_SRC_OVR \(bus 0 bus_irq 0 global_irq 2 dfl dfl\)' "the IRQ 0 override"
bt_expect '\[linux\] .*APIC: Switch to symmetric I/O mode setup' "symmetric I/O mode"
bt_expect '\[linux\] .*\.\.TIMER: vector=0x[0-9a-f]+ apic1=0 pin1=2' "the timer through pin 2"
bt_reject '\[linux\] .*(MP-BIOS bug|IO-APIC \+ timer doesn.t work)' "the timer check failed"
bt_expect '\[linux\] .*ACPI: Using IOAPIC for interrupt routing' "I/O APIC interrupt routing"
bt_expect '\[linux\] (\[ *[0-9.]+\] )?PLINTH-LINUX-INIT: ok' "the /init marker"
bt_expect 'vm linux: stopped: powered off by the guest \(ACPI S5\)' "'vm linux: stopped: powered off ...'"
bt_reject 'unhandled exit|Kernel panic|BUG:|Oops' "a guest crash or unhandled exit"
bt_expect_exit
bt_end
