# guests-checks.sh - the log checks of the guests ISO ($BUILD/test-vmx-guests.iso:
# msr, portio, exceptions, isolation, triplefault, cpuid), shared by
# 24-vmx-guests.sh, 25-svm-guests-qemu.sh and 28-svm-guests-bochs-ryzen.sh and
# sourced after the emulator ran: a VM stopped for an illegal action logs the
# same line on both backends.
bt_expect_guests msr portio exceptions
bt_expect 'vm isolation: stopped: access to guest-physical 0x40000000 ' \
	"'vm isolation: stopped: access to guest-physical 0x40000000 ...'"
bt_reject '\[isolation\] (PASS|FAIL|SUMMARY)' "the isolation guest ran past the bad access"
bt_expect 'vm triplefault: stopped: triple fault' "'vm triplefault: stopped: triple fault ...'"
bt_reject '\[triplefault\] (PASS|FAIL|SUMMARY)' "the triplefault guest ran past the fault"
bt_expect '\[cpuid\] SUMMARY: [1-9][0-9]* passed, 0 failed' "'[cpuid] SUMMARY: N passed, 0 failed' after the stopped VMs"
bt_expect 'vm cpuid: exit code 0[[:space:]]*$' "'vm cpuid: exit code 0'"
bt_expect 'vmm: 6 VMs ran' "'vmm: 6 VMs ran'"
bt_expect_clean_vms '[a-z]+'
