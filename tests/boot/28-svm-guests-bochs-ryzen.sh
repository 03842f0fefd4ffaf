#!/usr/bin/env bash
# 28-svm-guests-bochs-ryzen.sh - the guests of 24-vmx-guests.sh (msr,
# portio, exceptions, isolation, triplefault, cpuid; $BUILD/test-vmx-guests.iso,
# the same binaries) under SVM with nested paging in Bochs ryzen with two
# host CPUs (NRIP save present, unlike QEMU TCG), judged by the checks of
# the VMX and QEMU runs (guests-checks.sh): a VM stopped for an illegal
# action logs the same line on both backends and in both emulators.
#
# Bochs 2.7 and the triple fault under SVM: plinth intercepts SHUTDOWN
# (VMCB intercept vector 1 bit 31, APM vol. 2 §15.9 and appendix B), but
# Bochs checks that intercept only in its shutdown routine (cpu/proc_ctrl.cc
# BX_CPU_C::shutdown), which its triple-fault path (cpu/exception.cc) calls
# after BX_PANIC("3rd exception with no resolution") and after a break into
# its internal debugger; for VMX it exits before both (VMexit_TripleFault).
# With the template's "panic: action=fatal" Bochs therefore quits at the
# guest's triple fault instead of delivering #VMEXIT(SHUTDOWN). So this
# test lets the CPUs' panics be reported only ("cpu0=report, cpu1=report";
# every other device's panic still ends Bochs) and answers each debugger
# break with "c"; a panic of the CPUs for any other reason shows in the
# Bochs log and the run is still judged by the serial log alone.
. "$(dirname "$0")/lib.sh"
bt_begin svm-guests-bochs-ryzen
bt_need_file "$BUILD/test-vmx-guests.iso" "the VM guests ISO (make BUILD=$BUILD test-vmx-iso)"
sh "$BT_ROOT/scripts/bochsrc.sh" "$BUILD/test-vmx-guests.iso" "$BT_LOG" 2 ryzen 512 \
	"$BUILD/test-logs/$BT_NAME.bochs.log" |
	sed 's/^panic: action=fatal$/panic: action=fatal, cpu0=report, cpu1=report/' > "$BT_TMP/bochsrc"
grep -q '^panic: action=fatal, cpu0=report, cpu1=report$' "$BT_TMP/bochsrc" ||
	{ bt_fail "the bochsrc template has no line 'panic: action=fatal' to adapt"; bt_end; }
# The debugger's commands: continue, and again after each break (one per
# triple fault).
for _ in 1 2 3 4 5 6 7 8; do echo c; done > "$BT_TMP/bochs.cmds"
bt_run_timed 180 "$BOCHS" -q -f "$BT_TMP/bochsrc" -rc "$BT_TMP/bochs.cmds"
bt_expect 'virt: AMD SVM' "'virt: AMD SVM, ...' (SVM detected)"
bt_expect '2 of 2 CPUs online' "'2 of 2 CPUs online'"
# The triple fault reached plinth as #VMEXIT(SHUTDOWN), not through a reset.
if ! grep -a -q -E '3rd \([0-9]+\) exception with no resolution' "$BUILD/test-logs/$BT_NAME.bochs.log"; then
	bt_fail "Bochs logged no triple fault of the triplefault guest (its log: $BUILD/test-logs/$BT_NAME.bochs.log)"
fi
. "$(dirname "$0")/guests-checks.sh"
bt_end
