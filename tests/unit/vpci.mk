UNIT_TESTS += vpci
UT_vpci_SRCS := tests/unit/test_vpci.c vmm/vpci.c
