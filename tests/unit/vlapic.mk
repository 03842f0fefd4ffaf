UNIT_TESTS += vlapic
UT_vlapic_SRCS := tests/unit/test_vlapic.c vmm/vlapic.c
