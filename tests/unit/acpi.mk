UNIT_TESTS += acpi acpi_tables
ACPI_PARSER_SRCS := drivers/acpi/acpi_parse.c drivers/acpi/acpi_madt.c \
		    drivers/acpi/acpi_fadt.c drivers/acpi/acpi_aml_s5.c
UT_acpi_SRCS := tests/unit/test_acpi.c tests/unit/acpi_fixture.c $(ACPI_PARSER_SRCS)
UT_acpi_tables_SRCS := tests/unit/test_acpi_tables.c tests/unit/acpi_fixture.c $(ACPI_PARSER_SRCS)
# The parser's private header is not under include/: list it so edits rebuild.
$(BUILD)/unit/acpi $(BUILD)/unit/acpi_tables: drivers/acpi/acpi_internal.h
