UNIT_TESTS += kvmclock
UT_kvmclock_SRCS := tests/unit/test_kvmclock.c vmm/pvclock.c vmm/msr.c vmm/cpuid_policy.c
$(BUILD)/unit/kvmclock: vmm/kvmclock.h vmm/msr.h vmm/cpuid_policy.h
