#!/usr/bin/env bash
# 22-svm-cpuid-qemu-max.sh - the cpuid test guest under SVM in QEMU TCG with
# -cpu max (AMD-flavoured, nested paging with 1 GiB pages), same checks as
# 21-svm-cpuid-qemu.sh.
. "$(dirname "$0")/lib.sh"
bt_begin svm-cpuid-qemu-max
bt_need_file "$BUILD/test-vmx.iso" "the VM test ISO (make BUILD=$BUILD test-vmx-iso)"
QEMU_ACCEL=tcg QEMU_TCG_CPU=max bt_qemu 60 -m 512 -cdrom "$BUILD/test-vmx.iso"
bt_expect 'virt: AMD SVM' "'virt: AMD SVM, ...' (SVM detected)"
bt_expect 'vm cpuid: .*svm backend' "'vm cpuid: ... svm backend'"
bt_expect '\[cpuid\] PASS: hypervisor signature plinthplinth' "'[cpuid] PASS: hypervisor signature plinthplinth'"
bt_expect '\[cpuid\] SUMMARY: [1-9][0-9]* passed, 0 failed' "'[cpuid] SUMMARY: N passed, 0 failed'"
bt_reject '\[cpuid\] FAIL:' "a failed guest check"
bt_expect 'vm cpuid: exit code 0[[:space:]]*$' "'vm cpuid: exit code 0'"
bt_reject 'vm cpuid: (unhandled exit|.*VM entry failed|VMRUN failed)' "a VM exit plinth could not handle"
bt_reject 'PANIC|EXCEPTION' "unexpected panic or exception"
bt_expect 'boot complete' "'boot complete'"
bt_expect_exit
bt_end
