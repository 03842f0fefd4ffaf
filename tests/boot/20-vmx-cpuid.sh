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
. "$(dirname "$0")/cpuid-checks.sh"
bt_end
