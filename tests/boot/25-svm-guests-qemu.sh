#!/usr/bin/env bash
# 25-svm-guests-qemu.sh - the guests of 24-vmx-guests.sh (msr, portio,
# exceptions, isolation, triplefault, cpuid; $BUILD/test-vmx-guests.iso)
# under SVM with nested paging in QEMU TCG (qemu64,+svm,+npt, no NRIP save).
# The same checks as under VMX, so a VM stopped for an illegal action logs
# the same line on both backends.
. "$(dirname "$0")/lib.sh"
bt_begin svm-guests-qemu
bt_need_file "$BUILD/test-vmx-guests.iso" "the VM guests ISO (make BUILD=$BUILD test-vmx-iso)"
QEMU_ACCEL=tcg QEMU_TCG_CPU=qemu64,+svm,+npt bt_qemu 90 -m 512 -cdrom "$BUILD/test-vmx-guests.iso"
bt_expect 'virt: AMD SVM' "'virt: AMD SVM, ...' (SVM detected)"
for g in msr portio exceptions; do
	bt_expect "\\[$g\\] SUMMARY: [1-9][0-9]* passed, 0 failed" "'[$g] SUMMARY: N passed, 0 failed'"
	bt_expect "vm $g: exit code 0[[:space:]]*\$" "'vm $g: exit code 0'"
done
bt_expect 'vm isolation: stopped: access to guest-physical 0x40000000 ' \
	"'vm isolation: stopped: access to guest-physical 0x40000000 ...'"
bt_reject '\[isolation\] (PASS|FAIL|SUMMARY)' "the isolation guest ran past the bad access"
bt_expect 'vm triplefault: stopped: triple fault' "'vm triplefault: stopped: triple fault ...'"
bt_reject '\[triplefault\] (PASS|FAIL|SUMMARY)' "the triplefault guest ran past the fault"
bt_expect '\[cpuid\] SUMMARY: [1-9][0-9]* passed, 0 failed' "'[cpuid] SUMMARY: N passed, 0 failed' after the stopped VMs"
bt_expect 'vm cpuid: exit code 0[[:space:]]*$' "'vm cpuid: exit code 0'"
bt_expect 'vmm: 6 VMs ran' "'vmm: 6 VMs ran'"
bt_reject '\] FAIL:' "a failed guest check"
bt_reject 'vm [a-z]+: (unhandled exit|.*VM entry failed|VMRUN failed)' "a VM exit plinth could not handle"
bt_reject 'PANIC|EXCEPTION' "unexpected panic or exception"
bt_expect 'boot complete' "'boot complete'"
bt_expect_exit
bt_end
