UNIT_TESTS += kvmclock
UT_kvmclock_SRCS := tests/unit/test_kvmclock.c vmm/pvclock.c
