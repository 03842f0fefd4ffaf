UNIT_TESTS += vmm_loader
UT_vmm_loader_SRCS := tests/unit/test_vmm_loader.c vmm/elf32_load.c vmm/mb1_info.c
