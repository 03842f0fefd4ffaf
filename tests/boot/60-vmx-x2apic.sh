#!/usr/bin/env bash
# 60-vmx-x2apic.sh - the local APIC's global enable and x2APIC mode, and
# string port I/O, under VMX with EPT in Bochs corei7_skylake_x
# ($BUILD/test-vperf.iso, mk/guests-vperf.mk):
#   x2apic   CPUID APIC/x2APIC bits, IA32_APIC_BASE disable (page unbacked,
#            8259 interrupts straight to INTR) and re-enable, the x2APIC
#            MSRs and their #GP rules, self-IPIs, TPR, mode transitions
#   portio   port I/O of every size and INS/OUTS with and without REP
. "$(dirname "$0")/lib.sh"
bt_begin vmx-x2apic
bt_need_file "$BUILD/test-vperf.iso" "the x2apic/portio guests ISO (make BUILD=$BUILD test-vperf-iso)"
bt_bochs 240 "$BUILD/test-vperf.iso" 1 corei7_skylake_x
. "$(dirname "$0")/x2apic-checks.sh"
bt_end
