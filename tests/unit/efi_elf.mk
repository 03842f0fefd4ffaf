UNIT_TESTS += efi_elf
UT_efi_elf_SRCS := tests/unit/test_efi_elf.c boot/efi/elf_load.c
# The loader's headers are not under include/: list them so edits rebuild.
$(BUILD)/unit/efi_elf: boot/efi/elf_load.h
