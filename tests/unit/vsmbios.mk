UNIT_TESTS += vsmbios
UT_vsmbios_SRCS := tests/unit/test_vsmbios.c vmm/vsmbios.c
