UNIT_TESTS += strutil
UT_strutil_SRCS := tests/unit/test_strutil.c lib/strutil.c
