#!/usr/bin/env bash
# 86-flat64-vmx-bochs.sh - the flat 64-bit guest of 85-flat64-svm-qemu
# (entry = long) under VMX with EPT in Bochs (corei7_skylake_x): the same
# long-mode start through the VMX backend (IA-32e mode guest entry control,
# EFER, CR0/CR4 shadows).
. "$(dirname "$0")/lib.sh"
bt_begin flat64-vmx-bochs
bt_need_file "$BUILD/test-flat64.iso" "the flat64 ISO (make BUILD=$BUILD test-isos)"
bt_bochs 120 "$BUILD/test-flat64.iso" 1
bt_expect 'virt: Intel VMX' "'virt: Intel VMX, ...' (VMX detected)"
bt_expect 'vm flat64: flat image flat64\.bin at 0x100000, long mode' "'vm flat64: flat image ... long mode'"
bt_expect_guests flat64
bt_expect_clean_vms flat64
bt_end
