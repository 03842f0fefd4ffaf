UNIT_TESTS += vioapic
UT_vioapic_SRCS := tests/unit/test_vioapic.c vmm/vioapic.c
