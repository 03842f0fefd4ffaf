#!/usr/bin/env bash
# boot-test: slow
# 20-vmx-cpuid.sh - a real guest under VMX with EPT: the test ISO with the
# cpuid test guest (tests/guests/cpuid.c) as module "guest-cpuid.elf", in
# Bochs corei7_skylake_x (VMX is testable only in Bochs here). plinth runs
# the guest as VM "cpuid" (vmm/boot.c); its COM1 output appears in the log
# as "[cpuid] ..." lines. Pass: the guest's summary reports 0 failures and
# it ended through the test-exit port with code 0.
. "$(dirname "$0")/lib.sh"
bt_begin vmx-cpuid
bt_need_file "$BUILD/test-vmx.iso" "the VMX test ISO (make BUILD=$BUILD test-vmx-iso)"
bt_bochs 120 "$BUILD/test-vmx.iso" 1 corei7_skylake_x
bt_expect 'virt: Intel VMX' "'virt: Intel VMX, ...' (VMX detected)"
bt_expect '\[cpuid\] PASS: hypervisor signature plinthplinth' "'[cpuid] PASS: hypervisor signature plinthplinth'"
bt_expect '\[cpuid\] SUMMARY: [1-9][0-9]* passed, 0 failed' "'[cpuid] SUMMARY: N passed, 0 failed'"
bt_reject '\[cpuid\] FAIL:' "a failed guest check"
bt_expect 'vm cpuid: exit code 0[[:space:]]*$' "'vm cpuid: exit code 0'"
bt_reject 'vm cpuid: (unhandled exit|.*VM entry failed)' "a VM exit plinth could not handle"
bt_reject 'PANIC|EXCEPTION' "unexpected panic or exception"
bt_expect 'boot complete' "'boot complete'"
bt_expect_exit
bt_end
