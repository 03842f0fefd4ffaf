UNIT_TESTS += insn_decode
UT_insn_decode_SRCS := tests/unit/test_insn_decode.c vmm/insn_decode.c
