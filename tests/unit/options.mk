UNIT_TESTS += options
UT_options_SRCS := tests/unit/test_options.c boot/options.c lib/cmdline.c lib/strutil.c
