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
. "$(dirname "$0")/x2apic-checks.sh"
bt_end
