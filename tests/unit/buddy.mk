UNIT_TESTS += buddy
UT_buddy_SRCS := tests/unit/test_buddy.c mm/buddy.c mm/pmm_plan.c
