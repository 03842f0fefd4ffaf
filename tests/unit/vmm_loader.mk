UNIT_TESTS += vmm_loader
UT_vmm_loader_SRCS := tests/unit/test_vmm_loader.c vmm/loader_elf.c vmm/loader_mb1.c \
	vmm/loader_layout.c vmm/mb1_info.c vmm/flat_load.c
