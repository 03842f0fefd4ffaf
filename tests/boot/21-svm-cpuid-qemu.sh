#!/usr/bin/env bash
# 21-svm-cpuid-qemu.sh - the cpuid test guest (tests/guests/cpuid.c, the
# same binary 20-vmx-cpuid.sh runs under VMX) under AMD SVM with nested
# paging in QEMU TCG, CPU model qemu64,+svm,+npt: no NRIP save, so every
# instruction exit's length comes from plinth's instruction decoder
# (arch/x86/svm/svm_ops.c). The guest's VMCALL hypercalls take the #UD path
# (VMCALL is Intel's; AMD raises #UD and the backend runs it as a hypercall).
# Pass: the guest's summary reports 0 failures and it ended through the
# test-exit port with code 0.
. "$(dirname "$0")/lib.sh"
bt_begin svm-cpuid-qemu
bt_need_file "$BUILD/test-vmx.iso" "the VM test ISO (make BUILD=$BUILD test-vmx-iso)"
QEMU_ACCEL=tcg QEMU_TCG_CPU=qemu64,+svm,+npt bt_qemu 60 -m 512 -cdrom "$BUILD/test-vmx.iso"
bt_expect 'virt: AMD SVM' "'virt: AMD SVM, ...' (SVM detected)"
bt_reject 'virt: AMD SVM.*nrip' "NRIP save reported (this test covers the decoder path)"
bt_expect 'vm cpuid: .*svm backend' "'vm cpuid: ... svm backend'"
bt_expect '\[cpuid\] PASS: hypercall 0 returns ABI version 2' "'[cpuid] PASS: hypercall 0 ...' (VMCALL through #UD)"
. "$(dirname "$0")/cpuid-checks.sh"
bt_end
