UNIT_TESTS += multiboot2
UT_multiboot2_SRCS := tests/unit/test_multiboot2.c boot/multiboot2.c boot/multiboot1.c \
	boot/boot_info.c boot/efi_mmap.c lib/strutil.c
