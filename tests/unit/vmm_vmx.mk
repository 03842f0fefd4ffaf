UNIT_TESTS += vmm_vmx
UT_vmm_vmx_SRCS := tests/unit/test_vmm_vmx.c arch/x86/vmx/vmx_exit.c arch/x86/vmx/vmx_controls.c arch/x86/vmx/vmx_caps.c
