UNIT_TESTS += efi_cfg
UT_efi_cfg_SRCS := tests/unit/test_efi_cfg.c boot/efi/efi_cfg.c boot/efi/efi_path.c lib/strutil.c
# The loader's headers are not under include/: list them so edits rebuild.
$(BUILD)/unit/efi_cfg: boot/efi/efi_cfg.h
