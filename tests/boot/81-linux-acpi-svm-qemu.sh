#!/usr/bin/env bash
# 81-linux-acpi-svm-qemu.sh - the Debian cloud kernel of 80-linux-minimal
# with the default platform (tests/linux/vms-acpi.cfg: ACPI on): Linux must
# find plinth's per-VM ACPI tables (RSDP from the zero page, XSDT, FADT,
# MADT, DSDT with \_S5, the PCI root bridge, the RTC, COM1 and the 8042's
# keyboard and mouse), SMBIOS (DMI) and the firmware's MTRRs (PAT on),
# probe the 8042 (vmm/vi8042.c) and its keyboard, use the PM timer, PCI
# configuration mechanism #1 with the host bridge on bus 0 and the CMOS
# RTC, reach the /init marker, and its
# poweroff must reach PM1a control with the S5 sleep type: plinth stops the
# VM as powered off and frees it.
# boot-test: slow
. "$(dirname "$0")/lib.sh"
bt_begin linux-acpi-svm-qemu
bt_need_file "$BUILD/test-linux-acpi.iso" "the Linux test ISO (make BUILD=$BUILD test-isos; needs apt-get download)"
QEMU_ACCEL=tcg QEMU_TCG_CPU=max bt_qemu 120 -m 1024 -cdrom "$BUILD/test-linux-acpi.iso"
bt_expect 'virt: AMD SVM' "'virt: AMD SVM, ...' (SVM detected)"
bt_expect '\[linux\] .*ACPI: RSDP 0x00000000000E0000 000024 \(v02 PLINTH\)' "the guest's RSDP at 0xE0000"
bt_expect '\[linux\] .*ACPI: FACP 0x[0-9A-F]+ 000114 \(v06 PLINTH' "the guest's FADT (revision 6)"
bt_expect '\[linux\] .*ACPI: APIC 0x[0-9A-F]+ [0-9A-F]+ \(v05 PLINTH' "the guest's MADT"
bt_expect '\[linux\] .*ACPI: PM-Timer IO Port: 0x608' "the PM timer from the FADT"
bt_expect '\[linux\] .*ACPI: 1 ACPI AML tables successfully acquired and loaded' "the DSDT loaded"
bt_expect '\[linux\] .*ACPI: PM: \(supports S0 S5\)' "S5 found in the DSDT"
bt_expect '\[linux\] .*PCI: Using configuration type 1 for base access' "PCI configuration mechanism #1"
bt_expect '\[linux\] .*clocksource: acpi_pm: mask: 0xffffff' "the acpi_pm clocksource"
bt_expect '\[linux\] .*PCI host bridge to bus 0000:00' "the PCI root bridge from the DSDT (PNP0A03)"
bt_expect '\[linux\] .*pci 0000:00:00\.0: \[8086:1237\] type 00 class 0x060000' "the host bridge found on bus 0"
bt_expect '\[linux\] .*pnp: PnP ACPI: found 4 devices' "the DSDT's RTC, COM1, PS/2 keyboard and mouse (PnP)"
bt_expect '\[linux\] .*i8042: PNP: PS/2 Controller \[PNP0303:PS2K,PNP0f13:PS2M\] at 0x60,0x64 irq 1,12' "the 8042 found by PnP"
bt_expect '\[linux\] .*serio: i8042 KBD port at 0x60,0x64 irq 1' "the 8042's keyboard port"
bt_expect '\[linux\] .*serio: i8042 AUX port at 0x60,0x64 irq 12' "the 8042's aux port (loopback with IRQ 12 passed)"
bt_expect '\[linux\] .*input: AT Translated Set 2 keyboard' "the PS/2 keyboard probed (identify, LEDs, scan code set)"
bt_expect '\[linux\] .*DMI: plinth plinth VM, BIOS ' "the SMBIOS tables (DMI)"
bt_expect '\[linux\] .*x86/PAT: Configuration \[0-7\]: WB  WC ' "PAT on (the firmware's MTRRs)"
bt_reject '\[linux\] .*(DMI not present|MTRRs disabled|ACPI Error|ACPI BIOS Error|ACPI Warning|\[Firmware (Bug|Warn)\])' "a firmware table missing or broken"
# Issue 7: nothing a PC has may be reported missing or broken beyond what
# the same kernel prints on plain QEMU (see tests/linux/vms-acpi.cfg).
bt_reject '\[linux\] .*(No PS/2 controller|i8042: .*(timeout|failed|Can.t)|atkbd.*(failed|Unknown key))' "the 8042 missing or failing"
bt_reject '\[linux\] .*(unchecked MSR access|Call Trace|WARNING:|BUG:|general protection)' "a kernel warning or trace"
bt_expect '\[linux\] .*rtc_cmos [^ ]+: setting system clock to 2026-01-01T00:00:' "the RTC's time"
bt_expect '\[linux\] (\[ *[0-9.]+\] )?PLINTH-LINUX-INIT: ok' "the /init marker"
bt_expect '\[linux\] .*ACPI: PM: Preparing to enter system sleep state S5' "the guest's S5 entry"
bt_expect 'vm linux: stopped: powered off by the guest \(ACPI S5\)' "'vm linux: stopped: powered off ...'"
bt_expect 'vm linux: stopped after [0-9.]+ s' "the VM's statistics line"
bt_expect 'vmm: 1 VM ran' "'vmm: 1 VM ran' (the VM was reaped)"
bt_reject 'unhandled exit|Kernel panic|BUG:|Oops' "a guest crash or unhandled exit"
bt_expect 'test_exit: boot test done' "'test_exit: boot test done'"
bt_expect_exit
bt_end
