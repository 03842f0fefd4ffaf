UNIT_TESTS += cmdline
UT_cmdline_SRCS := tests/unit/test_cmdline.c lib/cmdline.c lib/strutil.c
