UNIT_TESTS += vpit
UT_vpit_SRCS := tests/unit/test_vpit.c vmm/vpit.c
