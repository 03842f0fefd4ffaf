UNIT_TESTS += sched
UT_sched_SRCS := tests/unit/test_sched.c scheduler/sched.c scheduler/credit.c scheduler/rr.c
