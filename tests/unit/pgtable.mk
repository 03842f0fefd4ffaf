UNIT_TESTS += pgtable
UT_pgtable_SRCS := tests/unit/test_pgtable.c mm/pgtable.c
