#!/usr/bin/env bash
# boot-test: slow
# 23-svm-cpuid-bochs-ryzen.sh - the cpuid test guest under SVM in Bochs
# `ryzen`, which has NRIP save: instruction lengths come from the VMCB's
# nRIP field instead of the decoder (the other path of
# arch/x86/svm/svm_ops.c). Same checks as 21-svm-cpuid-qemu.sh.
. "$(dirname "$0")/lib.sh"
bt_begin svm-cpuid-bochs-ryzen
bt_need_file "$BUILD/test-vmx.iso" "the VM test ISO (make BUILD=$BUILD test-vmx-iso)"
bt_bochs 120 "$BUILD/test-vmx.iso" 1 ryzen
bt_expect 'virt: AMD SVM.*nrip' "'virt: AMD SVM, features: ... nrip ...' (SVM with NRIP save)"
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
