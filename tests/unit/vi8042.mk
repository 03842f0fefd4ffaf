UNIT_TESTS += vi8042
UT_vi8042_SRCS := tests/unit/test_vi8042.c vmm/vi8042.c
