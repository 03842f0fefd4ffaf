# smp-checks.sh - the log checks of the two-vCPU boot tests (26-smp-vmx-
# bochs.sh, 27-smp-svm-qemu.sh), sourced after the emulator ran: the smp
# guest (tests/guests/smp.c) in VM "smp" with vcpus = 2 passed every check
# (the AP started by INIT/SIPI/SIPI, IPIs and an NMI both ways, the
# shorthands, the wake from HLT, the bad ICR writes, 2 x 100000 LOCK
# increments) and exited with code 0; plinth survived it and ended the
# boot test; both host CPUs ran vCPUs (with vCPU i pinned to CPU i, 26:
# the two vCPUs ran on different host CPUs). The caller checks how many
# VMs ran.
bt_expect_guests smp
for c in "fw_cfg CPU count \\(key 0x05\\) is 2" "MADT lists 2 enabled local APICs" \
	 "AP started in the trampoline" "AP's APIC ID is 1" \
	 "1000 IPIs AP->BSP at the same time, each taken by the BSP" \
	 "NMI taken by the AP's NMI handler" "fixed IPI wakes the AP from HLT" \
	 "AP still takes IPIs after the bad ICR writes" \
	 "LOCK XADD by both CPUs: 200000 in total"; do
	bt_expect "\\[smp\\] PASS: $c" "'[smp] PASS: $c'"
done
bt_expect 'vm smp: stopped after [0-9]+\.[0-9]{3} s' "the VM's statistics line"
# Slices count the runs of a vCPU (vmm/vm_sched.c); "switches" only the
# changes from one vCPU to another, none when each CPU runs one vCPU.
bt_expect 'sched: cpu 0 ran [0-9]+ vCPU switches in [1-9][0-9]* slices' "'sched: cpu 0 ran N vCPU switches in M>0 slices' (a vCPU ran on CPU 0)"
bt_expect 'sched: cpu 1 ran [0-9]+ vCPU switches in [1-9][0-9]* slices' "'sched: cpu 1 ran N vCPU switches in M>0 slices' (a vCPU ran on CPU 1)"
bt_expect 'test_exit: boot test done' "'test_exit: boot test done' (the host survived)"
bt_expect_clean_vms '[a-z]+'
