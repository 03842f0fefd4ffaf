#!/usr/bin/env bash
# boot-test: slow
# 23-svm-cpuid-bochs-ryzen.sh - the cpuid test guest under SVM in Bochs
# `ryzen`, which has NRIP save: instruction lengths come from the VMCB's
# nRIP field instead of the decoder (the other path of
# arch/x86/svm/svm_ops.c). Same checks as 21-svm-cpuid-qemu.sh
# (tests/boot/cpuid-checks.sh).
. "$(dirname "$0")/lib.sh"
bt_begin svm-cpuid-bochs-ryzen
bt_need_file "$BUILD/test-vmx.iso" "the VM test ISO (make BUILD=$BUILD test-vmx-iso)"
bt_bochs 120 "$BUILD/test-vmx.iso" 1 ryzen
bt_expect 'virt: AMD SVM.*nrip' "'virt: AMD SVM, features: ... nrip ...' (SVM with NRIP save)"
bt_expect 'vm cpuid: .*svm backend' "'vm cpuid: ... svm backend'"
. "$(dirname "$0")/cpuid-checks.sh"
bt_end
