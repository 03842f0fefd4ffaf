#!/usr/bin/env bash
# 22-svm-cpuid-qemu-max.sh - the cpuid test guest under SVM in QEMU TCG with
# -cpu max (AMD-flavoured, nested paging with 1 GiB pages), same checks as
# 21-svm-cpuid-qemu.sh (tests/boot/cpuid-checks.sh).
. "$(dirname "$0")/lib.sh"
bt_begin svm-cpuid-qemu-max
bt_need_file "$BUILD/test-vmx.iso" "the VM test ISO (make BUILD=$BUILD test-vmx-iso)"
QEMU_ACCEL=tcg QEMU_TCG_CPU=max bt_qemu 60 -m 512 -cdrom "$BUILD/test-vmx.iso"
bt_expect 'virt: AMD SVM' "'virt: AMD SVM, ...' (SVM detected)"
bt_expect 'vm cpuid: .*svm backend' "'vm cpuid: ... svm backend'"
. "$(dirname "$0")/cpuid-checks.sh"
bt_end
