UNIT_TESTS += vpic
UT_vpic_SRCS := tests/unit/test_vpic.c vmm/vpic.c
