#!/usr/bin/env bash
# 66-sched-fair-svm-bochs-ryzen.sh - the guests of 65-sched-fair-vmx.sh under
# SVM with nested paging in Bochs ryzen with 2 CPUs and the default 10 ms
# slices, which end by the host LAPIC timer and the INTR intercept
# ($BUILD/test-sched-fair.iso, mk/guests-vsched.mk):
#   weights 1:2:4: two sets of counting VMs (tests/boot/sched-fair-vms.cfg)
#   share two CPUs 1/14, 2/14, 4/14 each within 10 %
# Bochs rather than QEMU TCG: Bochs' time is virtual (clock: sync=none, the
# TSC and LAPIC timer advance with instructions executed), so the shares do
# not depend on how busy the host is. QEMU's timers follow the host's wall
# clock and its vCPUs are host threads: on the shared 2-core test host a
# vCPU thread is descheduled for tens of ms, slices overrun to 20-70 ms and
# the counts came out 15-40 % off (the former 66-sched-fair-svm-qemu.sh,
# pending for that reason; -icount hangs the SVM guests in QEMU 7.2).
# The counting guests run with IF=1, so Bochs 2.7 delivers the host timer's
# exits (platform.md: interrupt exits need guest IF=1 there).
. "$(dirname "$0")/lib.sh"
bt_begin sched-fair-svm-bochs-ryzen
bt_need_file "$BUILD/test-sched-fair.iso" "the scheduler test ISO (make BUILD=$BUILD test-sched-isos)"
bt_bochs 180 "$BUILD/test-sched-fair.iso" 2 ryzen
bt_expect 'virt: AMD SVM' "'virt: AMD SVM, ...' (SVM detected)"
bt_expect '2 of 2 CPUs online' "'2 of 2 CPUs online'"
. "$(dirname "$0")/sched-fair-checks.sh"
bt_expect_exit
bt_end
