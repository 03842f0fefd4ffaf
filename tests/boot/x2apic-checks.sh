# x2apic-checks.sh - the log checks of the x2apic/portio guests ISO
# ($BUILD/test-vperf.iso), shared by 60-vmx-x2apic.sh, 61-svm-x2apic-qemu.sh
# and 62-svm-x2apic-bochs-ryzen.sh and sourced after the emulator ran.
bt_expect_guests x2apic portio
bt_expect '\[x2apic\] PASS: disabled: 8259 interrupts go straight to INTR' \
	"'[x2apic] PASS: disabled: 8259 interrupts go straight to INTR'"
bt_expect '\[x2apic\] PASS: self-IPI through SELF IPI taken' "'[x2apic] PASS: self-IPI through SELF IPI taken'"
bt_expect '\[x2apic\] PASS: a second NMI after the first handler.s IRET' \
	"'[x2apic] PASS: a second NMI after the first handler's IRET' (NMI injection and blocking)"
bt_expect '\[portio\] rep outsb reached COM1' "'[portio] rep outsb reached COM1' (REP OUTSB to the UART)"
bt_expect '\[portio\] PASS: rep insb from an unassigned port across a page: 0xFF bytes' \
	"'[portio] PASS: rep insb from an unassigned port across a page: 0xFF bytes'"
bt_expect_clean_vms '[a-z0-9]+'
