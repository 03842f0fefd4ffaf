UNIT_TESTS += hlt_policy
# HLT decisions: continue / sleep (until when) / stop the VM; STI; HLT in the shadow.
UT_hlt_policy_SRCS := tests/unit/test_hlt_policy.c vmm/hlt_policy.c
