#!/usr/bin/env bash
# boot-test: slow
# 67-sched-isol-vmx.sh - the VM scheduler under VMX in Bochs corei7_skylake_x
# with 2 CPUs and 1 ms slices on the VMX preemption timer
# ($BUILD/test-sched-isol.iso, mk/guests-vsched.mk):
#   a VM spinning with IF=0 is preempted and the VM beside it keeps
#   counting; two VMs keep their x87/MXCSR/XMM/YMM registers across hundreds
#   of preemptions by each other (tests/boot/sched-isol-vms.cfg)
. "$(dirname "$0")/lib.sh"
bt_begin sched-isol-vmx
bt_need_file "$BUILD/test-sched-isol.iso" "the scheduler test ISO (make BUILD=$BUILD test-sched-isos)"
bt_bochs 120 "$BUILD/test-sched-isol.iso" 2 corei7_skylake_x
. "$(dirname "$0")/sched-isol-checks.sh"
# With 1 ms slices on the preemption timer each FPU VM is switched in (after
# the other one ran) about a thousand times: at least 500.
for g in fpua fpub; do
	n=$(grep -a -E "vm $g: scheduler: ran [0-9]+ ms in [0-9]+ slices" "$BT_LOG" | tr -d '\r' |
		sed -E 's/.* in ([0-9]+) slices.*/\1/' | head -n1)
	echo "    $BT_NAME: $g switched in ${n:-?} times" >&2
	[ "${n:-0}" -ge 500 ] || bt_fail "$g was switched in ${n:-no} times (want at least 500)"
done
bt_expect_exit
bt_end
