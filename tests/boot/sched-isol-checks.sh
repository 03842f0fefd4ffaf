# sched-isol-checks.sh - log checks of the preemption and isolation boot
# tests (67-sched-isol-vmx.sh, 68-sched-isol-svm-qemu.sh), sourced after the
# emulator ran (tests/boot/sched-isol-vms.cfg).
bt_expect 'sched: credit policy, 1000 us slices, 2 CPUs' "'sched: credit policy, 1000 us slices, 2 CPUs'"
for g in spin counter fpua fpub; do
	bt_expect "\\[$g\\] SUMMARY: [1-9][0-9]* passed, 0 failed" "'[$g] SUMMARY: N passed, 0 failed'"
	bt_expect "vm $g: exit code 0[[:space:]]*\$" "'vm $g: exit code 0'"
done
bt_expect 'vmm: 4 VMs ran' "'vmm: 4 VMs ran'"
bt_expect '\[spin\] PASS: preempted at least 10 times while spinning with IF=0' "'[spin] PASS: preempted ... with IF=0'"
bt_expect '\[counter\] PASS: the counter advanced in every window' "'[counter] PASS: the counter advanced in every window ...'"
for g in fpua fpub; do
	bt_expect "\\[$g\\] PASS: registers unchanged across preemptions" "'[$g] PASS: registers unchanged across preemptions'"
	bt_expect "\\[$g\\] PASS: preempted at least" "'[$g] PASS: preempted at least 10 times while checking'"
done
bt_expect 'sched: cpu 0 ran [1-9][0-9]* vCPU switches' "'sched: cpu 0 ran N vCPU switches'"
bt_expect 'sched: cpu 1 ran [1-9][0-9]* vCPU switches' "'sched: cpu 1 ran N vCPU switches' (vCPUs ran on the second CPU)"
bt_reject '\] FAIL:' "a failed guest check"
bt_reject 'vm [a-z0-9]+: (unhandled exit|.*VM entry failed|VMRUN failed)' "a VM exit plinth could not handle"
bt_reject 'PANIC|EXCEPTION' "unexpected panic or exception"
