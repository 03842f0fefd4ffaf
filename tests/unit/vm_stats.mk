UNIT_TESTS += vm_stats
UT_vm_stats_SRCS := tests/unit/test_vm_stats.c vmm/stats.c vmm/io.c lib/printf.c
