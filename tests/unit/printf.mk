UNIT_TESTS += printf
UT_printf_SRCS := tests/unit/test_printf.c lib/printf.c
