UNIT_TESTS += multiboot1
UT_multiboot1_SRCS := tests/unit/test_multiboot1.c boot/multiboot1.c boot/boot_info.c \
	boot/efi_mmap.c lib/strutil.c
