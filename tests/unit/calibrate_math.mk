UNIT_TESTS += calibrate_math
UT_calibrate_math_SRCS := tests/unit/test_calibrate_math.c arch/x86/calibrate_math.c lib/printf.c
