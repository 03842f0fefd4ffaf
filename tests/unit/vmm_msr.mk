UNIT_TESTS += vmm_msr
UT_vmm_msr_SRCS := tests/unit/test_vmm_msr.c vmm/msr.c
$(BUILD)/unit/vmm_msr: vmm/msr.h
