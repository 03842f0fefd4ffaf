# cpuid-checks.sh - the log checks of the cpuid test guest
# (tests/guests/cpuid.c, the only VM of $BUILD/test-vmx.iso), shared by
# 20-vmx-cpuid.sh and the SVM runs 21-23 and sourced after the emulator
# ran: the guest found plinth's hypervisor signature, its summary reports
# 0 failures, it ended through the test-exit port with code 0, no VM exit
# plinth could not handle, no panic, boot complete, the emulator ended by
# itself.
bt_expect '\[cpuid\] PASS: hypervisor signature plinthplinth' "'[cpuid] PASS: hypervisor signature plinthplinth'"
bt_expect_guests cpuid
bt_expect_clean_vms cpuid
