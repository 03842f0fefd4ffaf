UNIT_TESTS += console_lineedit
UT_console_lineedit_SRCS := tests/unit/test_console_lineedit.c console/lineedit.c lib/strutil.c
