#!/usr/bin/env bash
# 68-sched-isol-svm-qemu.sh - the guests of 67-sched-isol-vmx.sh under SVM in
# QEMU TCG (qemu64,+svm,+npt) with -smp 2: slices end by the host LAPIC
# timer, whose interrupt the INTR intercept turns into an exit whatever the
# guest's IF ($BUILD/test-sched-isol.iso, mk/guests-vsched.mk):
#   a VM spinning with IF=0 is preempted and the VM beside it keeps
#   counting; two VMs keep their x87/MXCSR/XMM/YMM registers across hundreds
#   of preemptions by each other (tests/boot/sched-isol-vms.cfg)
. "$(dirname "$0")/lib.sh"
bt_begin sched-isol-svm-qemu
bt_need_file "$BUILD/test-sched-isol.iso" "the scheduler test ISO (make BUILD=$BUILD test-sched-isos)"
QEMU_ACCEL=tcg QEMU_TCG_CPU=qemu64,+svm,+npt bt_qemu 120 -m 512 -smp 2 -cdrom "$BUILD/test-sched-isol.iso"
bt_expect 'virt: AMD SVM' "'virt: AMD SVM, ...' (SVM detected)"
. "$(dirname "$0")/sched-isol-checks.sh"
bt_expect_exit
bt_end
