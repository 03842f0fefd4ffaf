#!/usr/bin/env bash
# 51-vmscfg-svm-qemu.sh - the VMs of 50-vmscfg-vmx.sh ($BUILD/test-vmscfg.iso,
# tests/boot/vmscfg-test.cfg) under SVM with nested paging in QEMU TCG
# (qemu64,+svm,+npt): the same configuration errors, the same good VMs pass.
. "$(dirname "$0")/lib.sh"
bt_begin vmscfg-svm-qemu
bt_need_file "$BUILD/test-vmscfg.iso" "the vms.cfg test ISO (make BUILD=$BUILD test-isos)"
QEMU_ACCEL=tcg QEMU_TCG_CPU=qemu64,+svm,+npt bt_qemu 90 -m 512 -cdrom "$BUILD/test-vmscfg.iso"
bt_expect 'virt: AMD SVM' "'virt: AMD SVM, ...' (SVM detected)"
. "$(dirname "$0")/vmscfg-checks.sh"
bt_expect_exit
bt_end
