#!/usr/bin/env bash
# boot-test: slow
# 26-smp-vmx-bochs.sh - a VM with two vCPUs under VMX with EPT in Bochs
# corei7_skylake_x with 2 CPUs ($BUILD/test-smp-pinned.iso,
# mk/guests-vsmp.mk): the smp guest (tests/guests/smp.c) with vcpus = 2,
# vCPU i pinned to host CPU i (tests/boot/smp-pinned-vms.cfg), so the two
# vCPUs run on different host CPUs. Checks in smp-checks.sh. Beside it a
# one-vCPU "bystander" VM (same image) must see none of its interrupts.
. "$(dirname "$0")/lib.sh"
bt_begin smp-vmx-bochs
bt_need_file "$BUILD/test-smp-pinned.iso" "the two-vCPU test ISO (make BUILD=$BUILD test-smp-isos)"
bt_bochs 300 "$BUILD/test-smp-pinned.iso" 2 corei7_skylake_x
bt_expect 'virt: Intel VMX' "'virt: Intel VMX, ...' (VMX detected)"
bt_expect '2 of 2 CPUs online' "'2 of 2 CPUs online'"
. "$(dirname "$0")/smp-checks.sh"
bt_expect_guests bystander
bt_expect '\[bystander\] PASS: no interrupt from another VM arrived' "'[bystander] PASS: no interrupt from another VM arrived'"
bt_expect '\[bystander\] PASS: no NMI from another VM arrived' "'[bystander] PASS: no NMI from another VM arrived'"
bt_expect 'vmm: 2 VMs ran' "'vmm: 2 VMs ran'"
bt_end
