#!/usr/bin/env bash
# 61-svm-x2apic-qemu.sh - the local APIC's global enable and x2APIC mode, and
# string port I/O, under SVM with nested paging in QEMU TCG (qemu64,+svm,+npt: no NRIP
# save, no decode assists)
# ($BUILD/test-vperf.iso, mk/guests-vperf.mk):
#   x2apic   CPUID APIC/x2APIC bits, IA32_APIC_BASE disable (page unbacked,
#            8259 interrupts straight to INTR) and re-enable, the x2APIC
#            MSRs and their #GP rules, self-IPIs, TPR, mode transitions
#   portio   port I/O of every size and INS/OUTS with and without REP
. "$(dirname "$0")/lib.sh"
bt_begin svm-x2apic-qemu
bt_need_file "$BUILD/test-vperf.iso" "the x2apic/portio guests ISO (make BUILD=$BUILD test-vperf-iso)"
QEMU_ACCEL=tcg QEMU_TCG_CPU=qemu64,+svm,+npt bt_qemu 120 -m 512 -cdrom "$BUILD/test-vperf.iso"
for g in x2apic portio; do
	bt_expect "\\[$g\\] SUMMARY: [1-9][0-9]* passed, 0 failed" "'[$g] SUMMARY: N passed, 0 failed'"
	bt_expect "vm $g: exit code 0[[:space:]]*\$" "'vm $g: exit code 0'"
done
bt_expect '\[x2apic\] PASS: disabled: 8259 interrupts go straight to INTR' \
	"'[x2apic] PASS: disabled: 8259 interrupts go straight to INTR'"
bt_expect '\[x2apic\] PASS: self-IPI through SELF IPI taken' "'[x2apic] PASS: self-IPI through SELF IPI taken'"
bt_expect '\[x2apic\] PASS: a second NMI after the first handler.s IRET' \
	"'[x2apic] PASS: a second NMI after the first handler's IRET' (NMI injection and blocking)"
bt_expect '\[portio\] rep outsb reached COM1' "'[portio] rep outsb reached COM1' (REP OUTSB to the UART)"
bt_expect '\[portio\] PASS: rep insb from an unassigned port across a page: 0xFF bytes' \
	"'[portio] PASS: rep insb from an unassigned port across a page: 0xFF bytes'"
bt_reject '\] FAIL:' "a failed guest check"
bt_reject 'vm [a-z0-9]+: (unhandled exit|.*VM entry failed|VMRUN failed)' "a VM exit plinth could not handle"
bt_reject 'PANIC|EXCEPTION' "unexpected panic or exception"
bt_expect 'boot complete' "'boot complete'"
bt_expect_exit
bt_end
