UNIT_TESTS += vacpi vacpi_pm
# The tables are read back with plinth's own parser (tests/unit/acpi.mk).
UT_vacpi_SRCS := tests/unit/test_vacpi.c vmm/vacpi.c drivers/acpi/acpi_parse.c \
		 drivers/acpi/acpi_madt.c drivers/acpi/acpi_fadt.c drivers/acpi/acpi_aml_s5.c
UT_vacpi_pm_SRCS := tests/unit/test_vacpi_pm.c vmm/dev_misc.c
