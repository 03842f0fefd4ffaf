UNIT_TESTS += cpuid_decode
UT_cpuid_decode_SRCS := tests/unit/test_cpuid_decode.c arch/x86/cpuid_decode.c lib/printf.c lib/strutil.c
