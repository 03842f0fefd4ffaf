#!/usr/bin/env bash
# boot-test: slow
# 40-vmx-longmode.sh - the longmode guest under VMX with EPT in Bochs
# corei7_skylake_x ($BUILD/test-longmode.iso, mk/guests-vcore.mk): a flat
# image started in real mode at 0x7C00 that switches itself to protected
# mode and then to 64-bit mode (PAE, EFER.LME, CR0.PG), and checks EFER.LMA,
# SYSCALL through STAR/LSTAR/SFMASK, SWAPGS with KERNEL_GS_BASE, the TSC
# through RDTSC and RDMSR, CR8, and XSETBV/XGETBV with AVX (Bochs offers
# XSAVE and AVX, so none of it may be skipped). The msr guest runs after it.
. "$(dirname "$0")/lib.sh"
bt_begin vmx-longmode
bt_need_file "$BUILD/test-longmode.iso" "the longmode ISO (make BUILD=$BUILD test-isos)"
bt_bochs 180 "$BUILD/test-longmode.iso" 1 corei7_skylake_x
bt_expect 'virt: Intel VMX' "'virt: Intel VMX ...' (VMX detected)"
for check in 'started in real mode' 'protected mode' 'EFER.LME set, LMA clear' '64-bit mode' \
	'EFER.LMA set by CR0.PG' 'SYSCALL at LSTAR' 'SWAPGS loads KERNEL_GS_BASE' \
	'GS bases survive a VM exit' 'RDTSC and RDMSR\(TSC\) agree' 'XCR0 = x87\|SSE kept across a VM exit' \
	'AVX works with XCR0 = 7'; do
	bt_expect "\\[longmode\\] PASS: $check" "'[longmode] PASS: $check'"
done
bt_expect '\[longmode\] SUMMARY: 32 passed, 0 failed' "'[longmode] SUMMARY: 32 passed, 0 failed'"
bt_expect 'vm longmode: exit code 0[[:space:]]*$' "'vm longmode: exit code 0'"
bt_expect '\[msr\] SUMMARY: [1-9][0-9]* passed, 0 failed' "'[msr] SUMMARY: N passed, 0 failed' after longmode"
bt_reject '\] (FAIL|SKIP):' "a failed or skipped guest check"
bt_reject 'vm [a-z]+: (unhandled exit|.*VM entry failed|stopped: ([^t]|t[^h]|th[^e]))' "a VM stopped by plinth"
bt_reject 'PANIC|EXCEPTION' "unexpected panic or exception"
bt_expect 'boot complete' "'boot complete'"
bt_expect_exit
bt_end
