UNIT_TESTS += virt_caps
UT_virt_caps_SRCS := tests/unit/test_virt_caps.c arch/x86/vmx/vmx_caps.c arch/x86/svm/svm_caps.c
