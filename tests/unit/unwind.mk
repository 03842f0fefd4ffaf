UNIT_TESTS += unwind
UT_unwind_SRCS := tests/unit/test_unwind.c arch/x86/unwind.c
