UNIT_TESTS += boot_info
UT_boot_info_SRCS := tests/unit/test_boot_info.c boot/boot_info.c lib/strutil.c
