UNIT_TESTS += apic_encode
UT_apic_encode_SRCS := tests/unit/test_apic_encode.c arch/x86/apic_encode.c
