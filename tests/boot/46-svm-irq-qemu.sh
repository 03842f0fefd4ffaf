#!/usr/bin/env bash
# 46-svm-irq-qemu.sh - the guests of 45-vmx-irq.sh ($BUILD/test-virq.iso)
# under SVM with nested paging in QEMU TCG (qemu64,+svm,+npt, no NRIP
# save): the same platform devices, NPF-based MMIO emulation, interrupt
# injection through EVENTINJ and the interrupt window through V_IRQ with
# the VINTR intercept, and HLT woken by the virtual timer.
. "$(dirname "$0")/lib.sh"
bt_begin svm-irq-qemu
bt_need_file "$BUILD/test-virq.iso" "the virtual-interrupt guests ISO (make BUILD=$BUILD test-virq-iso)"
QEMU_ACCEL=tcg QEMU_TCG_CPU=qemu64,+svm,+npt bt_qemu 120 -m 512 -cdrom "$BUILD/test-virq.iso"
bt_expect 'virt: AMD SVM' "'virt: AMD SVM, ...' (SVM detected)"
. "$(dirname "$0")/irq-checks.sh"
bt_end
