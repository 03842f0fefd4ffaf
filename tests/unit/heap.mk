UNIT_TESTS += heap
UT_heap_SRCS := tests/unit/test_heap.c mm/heap_core.c
