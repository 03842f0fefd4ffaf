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
. "$(dirname "$0")/guests-checks.sh"
bt_end
