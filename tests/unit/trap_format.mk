UNIT_TESTS += trap_format
UT_trap_format_SRCS := tests/unit/test_trap_format.c arch/x86/trap_format.c lib/printf.c
