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
for g in fwcfg pic apic mmio hlt; do
	bt_expect "\\[$g\\] SUMMARY: [1-9][0-9]* passed, 0 failed" "'[$g] SUMMARY: N passed, 0 failed'"
	bt_expect "vm $g: exit code 0[[:space:]]*\$" "'vm $g: exit code 0'"
done
bt_expect 'vm hltstop: stopped: halted at rip 0x[0-9a-f]+ waiting for an interrupt \(no interrupt source is armed\)' \
	"'vm hltstop: stopped: halted ... waiting for an interrupt (no interrupt source is armed)'"
bt_reject '\[hltstop\] FAIL' "HLT returned in the hltstop guest"
bt_expect '\[apic\] PASS: taken after STI \(interrupt window\)' "'[apic] PASS: taken after STI (interrupt window)'"
bt_expect '\[hlt\] PASS: HLT did not return early' "'[hlt] PASS: HLT did not return early'"
bt_expect 'vmm: 6 VMs ran' "'vmm: 6 VMs ran'"
bt_reject '\] FAIL:' "a failed guest check"
bt_reject 'vm [a-z]+: (unhandled exit|.*VM entry failed|VMRUN failed)' "a VM exit plinth could not handle"
bt_reject 'PANIC|EXCEPTION' "unexpected panic or exception"
bt_expect 'boot complete' "'boot complete'"
bt_expect_exit
bt_end
