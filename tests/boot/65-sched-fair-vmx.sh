#!/usr/bin/env bash
# boot-test: slow
# 65-sched-fair-vmx.sh - the VM scheduler under VMX in Bochs corei7_skylake_x
# with 2 CPUs and 10 ms slices on the VMX preemption timer
# ($BUILD/test-sched-fair.iso, mk/guests-vsched.mk):
#   weights 1:2:4: two sets of counting VMs (tests/boot/sched-fair-vms.cfg)
#   share two CPUs 1/14, 2/14, 4/14 each within 10 %
. "$(dirname "$0")/lib.sh"
bt_begin sched-fair-vmx
bt_need_file "$BUILD/test-sched-fair.iso" "the scheduler test ISO (make BUILD=$BUILD test-sched-isos)"
bt_bochs 120 "$BUILD/test-sched-fair.iso" 2 corei7_skylake_x
. "$(dirname "$0")/sched-fair-checks.sh"
bt_expect_exit
bt_end
