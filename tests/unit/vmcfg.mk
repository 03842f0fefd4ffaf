UNIT_TESTS += vmcfg
UT_vmcfg_SRCS := tests/unit/test_vmcfg.c vmm/vmcfg.c lib/strutil.c lib/printf.c
