UNIT_TESTS += vsmp
# Multi-vCPU guests: IPIs between local APICs, CPUID topology, the MADT.
UT_vsmp_SRCS := tests/unit/test_vsmp.c vmm/vlapic.c vmm/cpuid_policy.c vmm/vacpi.c
