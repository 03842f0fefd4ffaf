#!/usr/bin/env bash
# 33-efi-guests-svm.sh - guests on the native UEFI path: OVMF starts
# plinth.efi from $BUILD/esp-guests.img (mk/guests.mk; plinth.cfg is
# tests/boot/efi-guests.cfg), which loads plinth with the modules vms.cfg
# and cpuid.elf; under QEMU TCG -cpu max (AMD, SVM with nested paging)
# plinth must start the VM vms.cfg configures and the guest must pass.
. "$(dirname "$0")/lib.sh"
bt_begin efi-guests-svm
bt_need_file "$BUILD/esp-guests.img" "the ESP image with guests (make BUILD=$BUILD efi-test-images)"
ovmf=$(bt_ovmf_args) || { bt_fail "no OVMF firmware in /usr/share/OVMF (package ovmf)"; bt_end; }
# shellcheck disable=SC2086 # two -drive arguments
QEMU_ACCEL=tcg QEMU_TCG_CPU=max bt_qemu 120 -m 512 $ovmf -net none \
	-drive format=raw,snapshot=on,file="$BUILD/esp-guests.img"
bt_expect 'boot: loaded by UEFI \(plinth\.efi\)' "saying plinth was loaded by plinth.efi"
bt_expect 'virt: AMD SVM' "'virt: AMD SVM, ...' (SVM detected)"
bt_expect 'vms\.cfg: 0 errors, 1 VM configured' "'vms.cfg: 0 errors, 1 VM configured'"
bt_expect 'vm cpuid: 16384 KiB RAM, 1 vCPU, svm backend' "'vm cpuid: 16384 KiB RAM, 1 vCPU, svm backend'"
bt_expect '\[cpuid\] SUMMARY: [1-9][0-9]* passed, 0 failed' "'[cpuid] SUMMARY: N passed, 0 failed'"
bt_expect 'vm cpuid: exit code 0[[:space:]]*$' "'vm cpuid: exit code 0'"
bt_expect 'vm cpuid: stopped after [0-9.]+ s \(guest [0-9.]+ s\), [1-9][0-9]* exits' "the VM's statistics line"
bt_reject '\] FAIL:' "a failed guest check"
bt_reject 'plinth\.efi: error' "plinth.efi reported an error"
bt_reject 'vm [a-z]+: (unhandled exit|.*VM entry failed|VMRUN failed)' "a VM exit plinth could not handle"
bt_expect_boot 1
bt_expect_exit
bt_end
