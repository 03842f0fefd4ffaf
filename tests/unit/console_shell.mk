UNIT_TESTS += console_shell
UT_console_shell_SRCS := tests/unit/test_console_shell.c console/shell.c console/out.c \
	lib/printf.c lib/strutil.c
