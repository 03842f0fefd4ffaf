UNIT_TESTS += acpi_s5
UT_acpi_s5_SRCS := tests/unit/test_acpi_s5.c drivers/acpi/acpi_aml_s5.c
