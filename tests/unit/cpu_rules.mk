UNIT_TESTS += cpu_rules
UT_cpu_rules_SRCS := tests/unit/test_cpu_rules.c vmm/cpu_rules.c vmm/cpuid_policy.c
$(BUILD)/unit/cpu_rules: vmm/cpu_rules.h vmm/cpuid_policy.h
