#!/usr/bin/env bash
# 41-svm-longmode-qemu.sh - the longmode guest of 40-vmx-longmode.sh under
# SVM with nested paging in QEMU TCG, -cpu max (AMD-flavoured, NPT, XSAVE,
# no NRIP save: the exiting instructions are fetched through the guest's
# page tables and decoded): the same checks pass as under VMX. Which XSAVE
# components TCG offers depends on the QEMU version, so the XSAVE checks
# may be skipped there. The msr guest runs after it.
. "$(dirname "$0")/lib.sh"
bt_begin svm-longmode-qemu
bt_need_file "$BUILD/test-longmode.iso" "the longmode ISO (make BUILD=$BUILD test-isos)"
QEMU_ACCEL=tcg QEMU_TCG_CPU=max bt_qemu 90 -m 512 -cdrom "$BUILD/test-longmode.iso"
bt_expect 'virt: AMD SVM' "'virt: AMD SVM, ...' (SVM detected)"
for check in 'started in real mode' 'protected mode' 'EFER.LME set, LMA clear' '64-bit mode' \
	'EFER.LMA set by CR0.PG' 'SYSCALL at LSTAR' 'SWAPGS loads KERNEL_GS_BASE' \
	'GS bases survive a VM exit' 'RDTSC and RDMSR\(TSC\) agree' 'RDTSC follows WRMSR\(TSC\)' 'XCR0 = x87\|SSE kept across a VM exit' 'MMIO read of the local APIC through guest page tables'; do
	bt_expect "\\[longmode\\] PASS: $check" "'[longmode] PASS: $check'"
done
# QEMU TCG lets MOV to CR8 set reserved bits 63:4 without #GP (real AMD
# CPUs and Bochs fault; tests 40 and 42 require it): that one check may fail
# here, no other.
bt_expect '\[longmode\] SUMMARY: [1-9][0-9]* passed, [01] failed' "'[longmode] SUMMARY: N passed, 0 or 1 failed'"
bt_expect 'vm longmode: exit code [01][[:space:]]*$' "'vm longmode: exit code 0 (or 1)'"
bt_expect '\[msr\] SUMMARY: [1-9][0-9]* passed, 0 failed' "'[msr] SUMMARY: N passed, 0 failed' after longmode"
other=$(grep -a '\] FAIL:' "$BT_LOG" | grep -v '\[longmode\] FAIL: CR8 reserved bits -> #GP' | head -n1 | tr -d '\r')
[ -z "$other" ] || bt_fail "a failed guest check: '$other'"
bt_reject 'vm [a-z]+: (unhandled exit|.*VM entry failed|VMRUN failed|stopped: ([^t]|t[^h]|th[^e]))' "a VM stopped by plinth"
bt_reject 'PANIC|EXCEPTION' "unexpected panic or exception"
bt_expect 'boot complete' "'boot complete'"
bt_expect_exit
bt_end
