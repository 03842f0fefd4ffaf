#!/usr/bin/env bash
# boot-test: slow
# 47-svm-irq-bochs-ryzen.sh - the guests of 45-vmx-irq.sh
# ($BUILD/test-virq.iso) under SVM with nested paging in Bochs ryzen: the
# platform devices, NPF-based MMIO emulation of the local APIC page,
# EVENTINJ injection, the V_IRQ/VINTR interrupt window, and HLT woken by
# the virtual timer, on Bochs's SVM (NRIP save present, unlike QEMU TCG;
# host-interrupt exits only with guest IF=1, platform.md).
. "$(dirname "$0")/lib.sh"
bt_begin svm-irq-bochs-ryzen
bt_need_file "$BUILD/test-virq.iso" "the virtual-interrupt guests ISO (make BUILD=$BUILD test-virq-iso)"
bt_bochs 240 "$BUILD/test-virq.iso" 1 ryzen
. "$(dirname "$0")/irq-checks.sh"
bt_end
