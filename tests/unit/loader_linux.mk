UNIT_TESTS += loader_linux
UT_loader_linux_SRCS := tests/unit/test_loader_linux.c vmm/loader_linux.c
