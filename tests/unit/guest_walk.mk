UNIT_TESTS += guest_walk
UT_guest_walk_SRCS := tests/unit/test_guest_walk.c vmm/guest_walk.c
