#!/usr/bin/env bash
# boot-test: slow
# 42-svm-longmode-bochs-ryzen.sh - the longmode guest of 40-vmx-longmode.sh
# under SVM with nested paging and NRIP save in Bochs ryzen, which offers
# XSAVE and AVX: all 28 checks must pass, as under VMX.
. "$(dirname "$0")/lib.sh"
bt_begin svm-longmode-bochs-ryzen
bt_need_file "$BUILD/test-longmode.iso" "the longmode ISO (make BUILD=$BUILD test-isos)"
bt_bochs 180 "$BUILD/test-longmode.iso" 1 ryzen
bt_expect 'virt: AMD SVM' "'virt: AMD SVM, ...' (SVM detected)"
bt_expect '\[longmode\] PASS: AVX works with XCR0 = 7' "'[longmode] PASS: AVX works with XCR0 = 7'"
bt_expect '\[longmode\] SUMMARY: 32 passed, 0 failed' "'[longmode] SUMMARY: 32 passed, 0 failed'"
bt_expect 'vm longmode: exit code 0[[:space:]]*$' "'vm longmode: exit code 0'"
bt_expect '\[msr\] SUMMARY: [1-9][0-9]* passed, 0 failed' "'[msr] SUMMARY: N passed, 0 failed' after longmode"
bt_reject '\] (FAIL|SKIP):' "a failed or skipped guest check"
bt_reject 'vm [a-z]+: (unhandled exit|.*VM entry failed|VMRUN failed|stopped: ([^t]|t[^h]|th[^e]))' "a VM stopped by plinth"
bt_reject 'PANIC|EXCEPTION' "unexpected panic or exception"
bt_expect 'boot complete' "'boot complete'"
bt_expect_exit
bt_end
