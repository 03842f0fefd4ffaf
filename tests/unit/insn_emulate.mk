UNIT_TESTS += insn_emulate
UT_insn_emulate_SRCS := tests/unit/test_insn_emulate.c vmm/insn_emulate.c vmm/insn_decode.c
