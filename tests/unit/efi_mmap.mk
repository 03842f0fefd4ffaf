UNIT_TESTS += efi_mmap
UT_efi_mmap_SRCS := tests/unit/test_efi_mmap.c boot/efi_mmap.c boot/boot_info.c lib/strutil.c
