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
. "$(dirname "$0")/guests-checks.sh"
bt_end
