#!/usr/bin/env bash
# 83-linux-smp-svm-qemu.sh - the Debian cloud kernel of 81-linux-acpi with
# two vCPUs (tests/linux/vms-smp.cfg, ISO $BUILD/test-linux-smp.iso from
# mk/linux.mk) under SVM in QEMU TCG (-cpu max, -smp 2): Linux must find
# both local APICs in plinth's MADT, start the AP through INIT/SIPI/SIPI,
# bring both CPUs up ("smpboot: Total of 2 processors activated"), /init
# must count 2 processors in /proc/cpuinfo, the two CPUs' TSCs must be one
# clock (no "Marking TSC unstable", no "Unstable clock detected"), and the
# ACPI S5 power-off must stop the VM with both vCPUs.
# boot-test: slow
. "$(dirname "$0")/lib.sh"
bt_begin linux-smp-svm-qemu
bt_need_file "$BUILD/test-linux-smp.iso" "the Linux SMP test ISO (make BUILD=$BUILD test-isos; needs apt-get download)"
QEMU_ACCEL=tcg QEMU_TCG_CPU=max bt_qemu 180 -m 1024 -smp 2 -cdrom "$BUILD/test-linux-smp.iso"
bt_expect 'virt: AMD SVM' "'virt: AMD SVM, ...' (SVM detected)"
bt_expect '\[linux\] .*ACPI: APIC 0x[0-9A-F]+ [0-9A-F]+ \(v05 PLINTH' "the guest's MADT"
bt_expect '\[linux\] .*smpboot: Allowing 2 CPUs, 0 hotplug CPUs' "'smpboot: Allowing 2 CPUs, 0 hotplug CPUs' (two local APICs in the MADT)"
bt_expect '\[linux\] .*smp: Brought up 1 node, 2 CPUs' "'smp: Brought up 1 node, 2 CPUs'"
bt_expect '\[linux\] .*smpboot: Total of 2 processors activated' "'smpboot: Total of 2 processors activated'"
# /init's lines come twice, on the console and through /dev/kmsg; with two
# CPUs the two copies can share a serial line.
bt_expect '\[linux\] .*PLINTH-LINUX-INIT: ok' "the /init marker"
bt_expect '\[linux\] .*PLINTH-LINUX-INIT: cpus 2([^0-9]|$)' "'PLINTH-LINUX-INIT: cpus 2' (/proc/cpuinfo lists 2 processors)"
bt_reject '\[linux\] .*(CPU[0-9]* failed to report alive state|do_boot_cpu failed|Not responding|APIC error)' "an AP start-up failure"
# One guest TSC per VM (vmm/kvmclock.h): the vCPUs' TSCs are in step, as
# on a PC, so Linux keeps the TSC (its sync check between the two CPUs
# passes) and sched_clock stays stable; plinth offers the invariant TSC
# and kvm-clock's stable bit only after its own boot test found the host
# CPUs' TSCs in step.
bt_expect 'tsc: the TSCs of the 2 CPUs are in step \(warp test of 1 AP with the BSP: [0-9]+ reads, none went back\)' "'tsc: the TSCs of the 2 CPUs are in step' (plinth's boot warp test)"
bt_expect 'vm linux: guest TSC: one clock for its 2 vCPUs, offered as invariant and stable' "'vm linux: guest TSC: one clock ... stable' (the host TSCs in step)"
bt_reject '\[linux\] .*(Marking TSC unstable|Unstable clock detected|TSC synchronization \[CPU|TSC warp|sched_clock: Marking unstable)' "an unstable or unsynchronized guest TSC"
bt_reject 'tsc: CPU [0-9]+.*(out of step|did not)' "host TSCs out of step (plinth's boot warp test)"
bt_expect '\[linux\] .*clocksource: Switched to clocksource (tsc|kvm-clock)' "the guest's clocksource on the TSC (tsc or kvm-clock)"
bt_expect '\[linux\] .*ACPI: PM: Preparing to enter system sleep state S5' "the guest's S5 entry"
bt_expect 'vm linux: stopped: powered off by the guest \(ACPI S5\)' "'vm linux: stopped: powered off ...'"
bt_expect 'vm linux: stopped after [0-9.]+ s' "the VM's statistics line"
bt_expect 'vmm: 1 VM ran' "'vmm: 1 VM ran' (the VM was reaped)"
bt_reject 'unhandled exit|Kernel panic|BUG:|Oops|watchdog: BUG|rcu_sched self-detected stall|rcu: INFO' "a guest crash, stall or unhandled exit"
# Stopping the AP at power-off runs cpu_emergency_disable_virtualization,
# which writes VM_HSAVE_PA when CPUID shows SVM: the guest must not see
# virtualization features plinth does not emulate.
bt_reject '\[linux\] .*(unchecked MSR access error|WARNING: CPU)' "a kernel warning (an MSR access plinth refused, ...)"
bt_expect 'test_exit: boot test done' "'test_exit: boot test done'"
bt_expect_exit
bt_end
