#!/usr/bin/env bash
# boot-test: slow
# 27-smp-svm-qemu.sh - a VM with two vCPUs under SVM with nested paging in
# QEMU TCG (-cpu max, -smp 2; $BUILD/test-smp-free.iso, mk/guests-vsmp.mk):
# the smp guest (tests/guests/smp.c) with vcpus = 2 and no pinning
# (tests/boot/smp-free-vms.cfg): the scheduler places the vCPUs. Checks in
# smp-checks.sh; with this VM alone on the host, both CPUs running vCPU
# slices means its vCPUs used both. QEMU 7.2 runs the two CPUs as two host
# threads (MTTCG): the guest's 2 x 1000 IPIs take 0.6 s on an idle 2-core
# host, but 10-30 s when other jobs load it (each IPI waits for the other
# thread to get a core).
. "$(dirname "$0")/lib.sh"
bt_begin smp-svm-qemu
bt_need_file "$BUILD/test-smp-free.iso" "the two-vCPU test ISO (make BUILD=$BUILD test-smp-isos)"
QEMU_ACCEL=tcg QEMU_TCG_CPU=max bt_qemu 120 -m 512 -smp 2 -cdrom "$BUILD/test-smp-free.iso"
bt_expect 'virt: AMD SVM' "'virt: AMD SVM, ...' (SVM detected)"
bt_expect '2 of 2 CPUs online' "'2 of 2 CPUs online'"
. "$(dirname "$0")/smp-checks.sh"
bt_expect 'vmm: 1 VM ran' "'vmm: 1 VM ran'"
bt_end
