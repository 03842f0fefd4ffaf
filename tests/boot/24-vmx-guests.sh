#!/usr/bin/env bash
# boot-test: slow
# 24-vmx-guests.sh - several test guests under VMX with EPT, one after
# another on one ISO ($BUILD/test-vmx-guests.iso, mk/guests.mk), in Bochs
# corei7_skylake_x:
#   msr         the emulated MSRs (vmm/msr.c): values, read-back, #GP cases
#   portio      port I/O of all sizes, unassigned ports, the UART registers
#   exceptions  #UD, #BP, #DE, #GP handled by the guest's own IDT
#   isolation   reads guest-physical memory outside its RAM: plinth must
#               stop that VM with one line and go on
#   triplefault empty IDT + ud2: plinth must stop that VM and go on
#   cpuid       runs last and must still pass: the host survived
. "$(dirname "$0")/lib.sh"
bt_begin vmx-guests
bt_need_file "$BUILD/test-vmx-guests.iso" "the VMX guests ISO (make BUILD=$BUILD test-vmx-iso)"
bt_bochs 180 "$BUILD/test-vmx-guests.iso" 1 corei7_skylake_x
for g in msr portio exceptions; do
	bt_expect "\\[$g\\] SUMMARY: [1-9][0-9]* passed, 0 failed" "'[$g] SUMMARY: N passed, 0 failed'"
	bt_expect "vm $g: exit code 0[[:space:]]*\$" "'vm $g: exit code 0'"
done
bt_expect 'vm isolation: stopped: access to guest-physical 0x40000000 ' \
	"'vm isolation: stopped: access to guest-physical 0x40000000 ...'"
bt_reject '\[isolation\] (PASS|FAIL|SUMMARY)' "the isolation guest ran past the bad access"
bt_expect 'vm triplefault: stopped: triple fault' "'vm triplefault: stopped: triple fault ...'"
bt_reject '\[triplefault\] (PASS|FAIL|SUMMARY)' "the triplefault guest ran past the fault"
bt_expect '\[cpuid\] SUMMARY: [1-9][0-9]* passed, 0 failed' "'[cpuid] SUMMARY: N passed, 0 failed' after the stopped VMs"
bt_expect 'vm cpuid: exit code 0[[:space:]]*$' "'vm cpuid: exit code 0'"
bt_expect 'vmm: 6 VMs ran' "'vmm: 6 VMs ran'"
bt_reject '\] FAIL:' "a failed guest check"
bt_reject 'vm [a-z]+: (unhandled exit|.*VM entry failed)' "a VM exit plinth could not handle"
bt_reject 'PANIC|EXCEPTION' "unexpected panic or exception"
bt_expect 'boot complete' "'boot complete'"
bt_expect_exit
bt_end
