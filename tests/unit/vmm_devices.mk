UNIT_TESTS += vmm_devices
UT_vmm_devices_SRCS := tests/unit/test_vmm_devices.c vmm/uart_model.c vmm/io.c vmm/cpuid_policy.c lib/printf.c
