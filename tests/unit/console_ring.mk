UNIT_TESTS += console_ring
UT_console_ring_SRCS := tests/unit/test_console_ring.c vmm/console_ring.c vmm/uart_model.c lib/printf.c
