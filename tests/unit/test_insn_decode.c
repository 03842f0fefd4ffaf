/* test_insn_decode.c - the x86 instruction decoder (vmm/insn_decode.c):
 * lengths against binutils, truncated input, undefined opcodes, the 15-byte
 * limit, decoded fields, and decoder self-consistency on random bytes.
 *
 * The length table (insn_length_cases.h) is binutils ground truth: see there. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <plinth/insn.h>
#include "host_support.h"

struct length_case {
	uint8_t mode;                /* enum insn_mode */
	uint8_t len;                 /* expected length */
	uint8_t bytes[INSN_MAX_LEN];
};

static const struct length_case length_cases[] = {
#include "insn_length_cases.h"
};

static const char *mode_str(uint8_t mode)
{
	return mode == INSN_MODE_16 ? "16" : mode == INSN_MODE_32 ? "32" : "64";
}

/* Every table entry decodes to its binutils length, with the full 15-byte
 * window available and trailing bytes that must not be consumed. */
static void test_lengths_match_binutils(void **state)
{
	(void)state;
	host_log_reset();
	for (size_t i = 0; i < ARRAY_SIZE(length_cases); i++) {
		const struct length_case *c = &length_cases[i];
		uint8_t buf[INSN_MAX_LEN + 8];
		struct insn in;
		memset(buf, 0xCC, sizeof(buf));
		memcpy(buf, c->bytes, c->len);
		int len = insn_length(buf, sizeof(buf), (enum insn_mode)c->mode);
		if (len != c->len)
			print_error("case %zu (%s-bit, first byte %02x): got %d want %u\n",
				    i, mode_str(c->mode), c->bytes[0], len, c->len);
		assert_int_equal(len, c->len);
		/* Exactly len bytes available is enough. */
		assert_int_equal(insn_decode(&in, c->bytes, c->len, (enum insn_mode)c->mode), 0);
		assert_int_equal(in.len, c->len);
		assert_memory_equal(in.bytes, c->bytes, c->len);
		assert_true(in.opcode_pos < in.len);
	}
	assert_int_equal(host_log_count(LOG_WARN) + host_log_count(LOG_ERR), 0);
}

/* Every proper prefix of a valid instruction asks for more bytes and is
 * never mistaken for an invalid one; nothing is logged. */
static void test_truncated_input_needs_more(void **state)
{
	(void)state;
	host_log_reset();
	unsigned checked = 0;
	for (size_t i = 0; i < ARRAY_SIZE(length_cases); i++) {
		const struct length_case *c = &length_cases[i];
		for (size_t avail = 0; avail < c->len; avail++) {
			/* Copy to an exact-size heap buffer so ASan catches any read
			 * past avail. */
			uint8_t *buf = malloc(avail ? avail : 1);
			assert_non_null(buf);
			memcpy(buf, c->bytes, avail);
			int rc = insn_length(buf, avail, (enum insn_mode)c->mode);
			if (rc != -EAGAIN)
				print_error("case %zu avail %zu: got %d\n", i, avail, rc);
			assert_int_equal(rc, -EAGAIN);
			free(buf);
			checked++;
		}
	}
	assert_true(checked > 2000);
	assert_int_equal(host_log_count(LOG_WARN), 0);
}

struct invalid_case {
	uint8_t mode;
	uint8_t n;
	uint8_t bytes[INSN_MAX_LEN];
};

/* Undefined opcodes, opcodes removed from 64-bit mode, undefined group
 * members and #UD prefix combinations (SDM vol. 2 Appendix A, §2.3.2). */
static const struct invalid_case invalid_cases[] = {
	{ INSN_MODE_64, 2, { 0x0F, 0x04 } },
	{ INSN_MODE_32, 2, { 0x0F, 0x04 } },
	{ INSN_MODE_64, 2, { 0x0F, 0x0A } },
	{ INSN_MODE_64, 2, { 0x0F, 0x0C } },
	{ INSN_MODE_64, 3, { 0x0F, 0x24, 0xC0 } },   /* MOV from TR (386 only) */
	{ INSN_MODE_64, 2, { 0x0F, 0x36 } },
	{ INSN_MODE_64, 2, { 0x0F, 0x39 } },
	{ INSN_MODE_64, 2, { 0x0F, 0x3B } },
	{ INSN_MODE_64, 2, { 0x0F, 0x7A } },
	{ INSN_MODE_64, 2, { 0x0F, 0xA6 } },
	{ INSN_MODE_64, 1, { 0xD6 } },
	{ INSN_MODE_64, 1, { 0x06 } },
	{ INSN_MODE_64, 1, { 0x07 } },
	{ INSN_MODE_64, 1, { 0x0E } },
	{ INSN_MODE_64, 1, { 0x16 } },
	{ INSN_MODE_64, 1, { 0x1F } },
	{ INSN_MODE_64, 1, { 0x27 } },
	{ INSN_MODE_64, 1, { 0x2F } },
	{ INSN_MODE_64, 1, { 0x37 } },
	{ INSN_MODE_64, 1, { 0x3F } },
	{ INSN_MODE_64, 1, { 0x60 } },
	{ INSN_MODE_64, 1, { 0x61 } },
	{ INSN_MODE_64, 3, { 0x82, 0xC0, 0x01 } },
	{ INSN_MODE_64, 7, { 0x9A, 1, 2, 3, 4, 5, 6 } },
	{ INSN_MODE_64, 1, { 0xCE } },
	{ INSN_MODE_64, 2, { 0xD4, 0x0A } },
	{ INSN_MODE_64, 2, { 0xD5, 0x0A } },
	{ INSN_MODE_64, 7, { 0xEA, 1, 2, 3, 4, 5, 6 } },
	{ INSN_MODE_64, 3, { 0xC6, 0x08, 0x01 } },   /* C6 /1 */
	{ INSN_MODE_64, 6, { 0xC7, 0x10, 1, 2, 3, 4 } }, /* C7 /2 */
	{ INSN_MODE_64, 2, { 0xFE, 0x10 } },         /* FE /2 */
	{ INSN_MODE_64, 2, { 0xFF, 0x38 } },         /* FF /7 */
	{ INSN_MODE_32, 2, { 0xFF, 0xD8 } },         /* far CALL with a register */
	{ INSN_MODE_16, 2, { 0xFF, 0xE8 } },         /* far JMP with a register */
	{ INSN_MODE_64, 4, { 0x66, 0xC5, 0xF8, 0x77 } }, /* 66 before VEX */
	{ INSN_MODE_64, 4, { 0xF3, 0xC5, 0xF8, 0x77 } },
	{ INSN_MODE_64, 4, { 0x48, 0xC5, 0xF8, 0x77 } }, /* REX before VEX */
	{ INSN_MODE_64, 5, { 0xF0, 0xC4, 0xE1, 0x78, 0x77 } },
	{ INSN_MODE_64, 5, { 0xC4, 0xE0, 0x78, 0x77, 0x00 } }, /* VEX map 0 */
	{ INSN_MODE_64, 5, { 0xC4, 0xE4, 0x78, 0x10, 0xC0 } }, /* VEX map 4 */
	{ INSN_MODE_64, 6, { 0x62, 0xF4, 0x7C, 0x48, 0x58, 0xC0 } }, /* EVEX map 4 */
	{ INSN_MODE_64, 6, { 0x62, 0xF1, 0x78, 0x48, 0x58, 0xC0 } }, /* EVEX P1 bit 2 clear */
	{ INSN_MODE_64, 5, { 0x8F, 0xEB, 0x78, 0x00, 0xC0 } }, /* XOP map 0Bh */
	{ INSN_MODE_32, 5, { 0x66, 0x62, 0xF1, 0x7C, 0x48 } }, /* 66 before EVEX */
};

static void test_invalid_opcodes_rejected_and_logged(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(invalid_cases); i++) {
		const struct invalid_case *c = &invalid_cases[i];
		uint8_t buf[INSN_MAX_LEN + 1];
		memset(buf, 0, sizeof(buf));
		memcpy(buf, c->bytes, c->n);
		host_log_reset();
		int rc = insn_length(buf, sizeof(buf), (enum insn_mode)c->mode);
		if (rc != -EINVAL)
			print_error("invalid case %zu: got %d\n", i, rc);
		assert_int_equal(rc, -EINVAL);
		assert_int_equal(host_log_count(LOG_WARN), 1);
		assert_true(host_log_contains("cannot decode"));
	}
	/* The message names the mode and the bytes seen. */
	host_log_reset();
	const uint8_t ud[] = { 0x0F, 0x04 };
	assert_int_equal(insn_length(ud, sizeof(ud), INSN_MODE_64), -EINVAL);
	assert_non_null(strstr(host_last_problem(), "64-bit code [0f 04]"));
	assert_non_null(strstr(host_last_problem(), "undefined opcode"));
}

/* Encodings that are valid in some modes only. */
static void test_mode_dependent_validity(void **state)
{
	(void)state;
	const uint8_t push_es[] = { 0x06 };
	const uint8_t aam[] = { 0xD4, 0x0A };
	const uint8_t inc_eax[] = { 0x40, 0x90 };    /* INC in 32-bit, REX+NOP in 64 */
	const uint8_t syscall[] = { 0x0F, 0x05 };
	const uint8_t ud2[] = { 0x0F, 0x0B };
	assert_int_equal(insn_length(push_es, 1, INSN_MODE_32), 1);
	assert_int_equal(insn_length(push_es, 1, INSN_MODE_16), 1);
	assert_int_equal(insn_length(aam, 2, INSN_MODE_32), 2);
	assert_int_equal(insn_length(inc_eax, 2, INSN_MODE_32), 1);
	assert_int_equal(insn_length(inc_eax, 2, INSN_MODE_64), 2);
	assert_int_equal(insn_length(syscall, 2, INSN_MODE_64), 2);
	assert_int_equal(insn_length(ud2, 2, INSN_MODE_64), 2);
	assert_int_equal(insn_length(ud2, 2, INSN_MODE_16), 2);
	host_log_reset();
	assert_int_equal(insn_length(push_es, 1, INSN_MODE_64), -EINVAL);
	assert_true(host_log_contains("invalid in 64-bit mode"));
}

/* The architectural 15-byte limit (SDM vol. 2 §2.3.11): an instruction that
 * needs a 16th byte is invalid, even when fewer than 16 bytes are available. */
static void test_fifteen_byte_limit(void **state)
{
	(void)state;
	uint8_t buf[32];
	/* 14 operand-size prefixes + NOP = 15 bytes: valid. */
	memset(buf, 0x66, sizeof(buf));
	buf[14] = 0x90;
	assert_int_equal(insn_length(buf, sizeof(buf), INSN_MODE_64), 15);
	assert_int_equal(insn_length(buf, 15, INSN_MODE_64), 15);
	/* 15 prefixes + NOP: the opcode would be the 16th byte. */
	host_log_reset();
	buf[14] = 0x66;
	buf[15] = 0x90;
	assert_int_equal(insn_length(buf, sizeof(buf), INSN_MODE_64), -EINVAL);
	assert_true(host_log_contains("longer than 15 bytes"));
	/* Only 15 prefix bytes available: still invalid, not "need more". */
	assert_int_equal(insn_length(buf, 15, INSN_MODE_64), -EINVAL);
	/* But 14 prefix bytes available could still be a valid instruction. */
	assert_int_equal(insn_length(buf, 14, INSN_MODE_64), -EAGAIN);

	/* 66 66 66 66 48 81 84 24 disp32 imm32 = 16 bytes. */
	const uint8_t longop[] = { 0x66, 0x66, 0x66, 0x66, 0x48, 0x81, 0x84, 0x24,
				   1, 2, 3, 4, 5, 6, 7, 8 };
	assert_int_equal(insn_length(longop, sizeof(longop), INSN_MODE_64), -EINVAL);
	assert_int_equal(insn_length(longop, 15, INSN_MODE_64), -EINVAL);
	assert_int_equal(insn_length(longop, 12, INSN_MODE_64), -EAGAIN);
	/* One prefix fewer fits exactly. */
	assert_int_equal(insn_length(longop + 1, 15, INSN_MODE_64), 15);
}

/* Operand fields of a few decoded instructions. */
static void test_decoded_fields(void **state)
{
	(void)state;
	struct insn in;

	/* mov %r15, 0x12345678(%r12,%r13,8): 4f 89 bc ec 78 56 34 12 */
	const uint8_t mov_sib[] = { 0x4F, 0x89, 0xBC, 0xEC, 0x78, 0x56, 0x34, 0x12 };
	assert_int_equal(insn_decode(&in, mov_sib, sizeof(mov_sib), INSN_MODE_64), 0);
	assert_int_equal(in.len, 8);
	assert_int_equal(in.map, INSN_MAP_ONE);
	assert_int_equal(in.opcode, 0x89);
	assert_int_equal(in.opcode_pos, 1);
	assert_int_equal(in.rex, 0x4F);
	assert_int_equal(in.opsize, 8);
	assert_int_equal(in.addrsize, 8);
	assert_true(in.has_modrm && in.has_sib && in.mem);
	assert_int_equal(in.mod, 2);
	assert_int_equal(in.reg, INSN_R15);
	assert_int_equal(in.sib, 0xEC);
	assert_int_equal(in.disp_size, 4);
	assert_int_equal(in.disp, 0x12345678);
	assert_int_equal(in.imm_size, 0);

	/* movabs $0x123456789abcdef0, %r11: 49 bb imm64 */
	const uint8_t movabs[] = { 0x49, 0xBB, 0xF0, 0xDE, 0xBC, 0x9A, 0x78, 0x56, 0x34, 0x12 };
	assert_int_equal(insn_decode(&in, movabs, sizeof(movabs), INSN_MODE_64), 0);
	assert_int_equal(in.len, 10);
	assert_int_equal(in.imm_size, 8);
	assert_true(in.imm == 0x123456789ABCDEF0ULL);
	assert_false(in.mem);

	/* mov -0x10(%rip), %eax: 8b 05 f0 ff ff ff (negative disp32) */
	const uint8_t riprel[] = { 0x8B, 0x05, 0xF0, 0xFF, 0xFF, 0xFF };
	assert_int_equal(insn_decode(&in, riprel, sizeof(riprel), INSN_MODE_64), 0);
	assert_true(in.rip_relative);
	assert_int_equal(in.disp, -16);
	/* The same bytes in 32-bit mode are an absolute disp32. */
	assert_int_equal(insn_decode(&in, riprel, sizeof(riprel), INSN_MODE_32), 0);
	assert_false(in.rip_relative);
	assert_int_equal(in.len, 6);

	/* 16-bit addressing: mov 0x1234(%bp,%di), %ax = 8b 83 34 12;
	 * mov 0x1234, %ax = 8b 06 34 12 (rm=110, mod=00: disp16). */
	const uint8_t a16[] = { 0x8B, 0x83, 0x34, 0x12 };
	const uint8_t a16abs[] = { 0x8B, 0x06, 0x34, 0x12 };
	assert_int_equal(insn_decode(&in, a16, sizeof(a16), INSN_MODE_16), 0);
	assert_int_equal(in.addrsize, 2);
	assert_int_equal(in.opsize, 2);
	assert_int_equal(in.disp_size, 2);
	assert_int_equal(in.disp, 0x1234);
	assert_false(in.has_sib);
	assert_int_equal(insn_decode(&in, a16abs, sizeof(a16abs), INSN_MODE_16), 0);
	assert_int_equal(in.len, 4);

	/* moffs: mov 0x1122334455667788, %al (a0 + 8 bytes) in 64-bit mode. */
	const uint8_t moffs[] = { 0xA0, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11 };
	assert_int_equal(insn_decode(&in, moffs, sizeof(moffs), INSN_MODE_64), 0);
	assert_int_equal(in.len, 9);
	assert_true(in.mem);
	assert_true((uint64_t)in.disp == 0x1122334455667788ULL);

	/* Prefix bookkeeping: 2e 3e 26 36 64 65 f0 66 67 f2 f3 89 00. */
	const uint8_t pfx[] = { 0x2E, 0x3E, 0x26, 0x36, 0x64, 0x65, 0xF0, 0x66, 0x67,
				0xF2, 0xF3, 0x89, 0x00 };
	assert_int_equal(insn_decode(&in, pfx, sizeof(pfx), INSN_MODE_64), 0);
	assert_int_equal(in.prefixes, INSN_PFX_LOCK | INSN_PFX_REPNE | INSN_PFX_REP |
			 INSN_PFX_OPSIZE | INSN_PFX_ADSIZE | INSN_PFX_SEG);
	assert_int_equal(in.seg, INSN_SEG_GS);
	assert_int_equal(in.last_rep, 0xF3);
	assert_int_equal(in.opsize, 2);
	assert_int_equal(in.addrsize, 4);

	/* A REX followed by another prefix is ignored (SDM vol. 2 §2.2.1). */
	const uint8_t rex_ignored[] = { 0x48, 0x66, 0x89, 0xC0 };
	assert_int_equal(insn_decode(&in, rex_ignored, sizeof(rex_ignored), INSN_MODE_64), 0);
	assert_int_equal(in.rex, 0);
	assert_int_equal(in.opsize, 2);
	const uint8_t rex_used[] = { 0x66, 0x48, 0x89, 0xC0 };
	assert_int_equal(insn_decode(&in, rex_used, sizeof(rex_used), INSN_MODE_64), 0);
	assert_int_equal(in.rex, 0x48);
	assert_int_equal(in.opsize, 8);

	/* MOV CR ignores ModRM.mod: 0f 20 00 is mov %cr0,%rax, no memory. */
	const uint8_t movcr[] = { 0x0F, 0x20, 0x04, 0x90 };
	assert_int_equal(insn_decode(&in, movcr, sizeof(movcr), INSN_MODE_64), 0);
	assert_int_equal(in.len, 3);
	assert_false(in.mem);
	assert_false(in.has_sib);

	/* PUSH imm in 64-bit mode is d64: operand size 8, imm32. */
	const uint8_t push[] = { 0x68, 1, 2, 3, 4 };
	assert_int_equal(insn_decode(&in, push, sizeof(push), INSN_MODE_64), 0);
	assert_int_equal(in.opsize, 8);
	assert_int_equal(in.imm_size, 4);

	/* ENTER iw, ib and far pointers carry two immediates. */
	const uint8_t enter[] = { 0xC8, 0x00, 0x10, 0x03 };
	assert_int_equal(insn_decode(&in, enter, sizeof(enter), INSN_MODE_32), 0);
	assert_int_equal(in.imm, 0x1000);
	assert_int_equal(in.imm2, 3);
	const uint8_t lcall[] = { 0x9A, 0x78, 0x56, 0x34, 0x12, 0x10, 0x00 };
	assert_int_equal(insn_decode(&in, lcall, sizeof(lcall), INSN_MODE_32), 0);
	assert_int_equal(in.imm, 0x12345678);
	assert_int_equal(in.imm2_size, 2);
	assert_int_equal(in.imm2, 0x10);

	/* Three-byte and 3DNow! maps record the opcode that selects the
	 * operation. */
	const uint8_t crc32[] = { 0xF2, 0x0F, 0x38, 0xF0, 0xC1 };
	assert_int_equal(insn_decode(&in, crc32, sizeof(crc32), INSN_MODE_64), 0);
	assert_int_equal(in.map, INSN_MAP_0F38);
	assert_int_equal(in.opcode, 0xF0);
	const uint8_t pfmul[] = { 0x0F, 0x0F, 0xC1, 0xB4 };
	assert_int_equal(insn_decode(&in, pfmul, sizeof(pfmul), INSN_MODE_64), 0);
	assert_int_equal(in.map, INSN_MAP_3DNOW);
	assert_int_equal(in.opcode, 0xB4);
	assert_int_equal(in.len, 4);
	assert_int_equal(in.opsize, 4);
	/* EXTRQ $2, $1, %xmm0: two one-byte immediates. */
	const uint8_t extrq[] = { 0x66, 0x0F, 0x78, 0xC0, 0x01, 0x02 };
	assert_int_equal(insn_decode(&in, extrq, sizeof(extrq), INSN_MODE_64), 0);
	assert_int_equal(in.opsize, 2);
	assert_int_equal(in.imm, 1);
	assert_int_equal(in.imm2, 2);
}

/* C4/C5/62 are VEX/EVEX in 64-bit mode and when the next byte has its top
 * two bits set; otherwise LES/LDS/BOUND. 8F is XOP when ModRM.reg != 0. */
static void test_vex_escapes_versus_legacy(void **state)
{
	(void)state;
	struct insn in;
	const uint8_t les[] = { 0xC4, 0x00 };
	const uint8_t vex3[] = { 0xC4, 0xE2, 0x79, 0x00, 0xC0 };
	const uint8_t vex2[] = { 0xC5, 0xF8, 0x77 };
	const uint8_t evex[] = { 0x62, 0xF1, 0x7C, 0x48, 0x58, 0x40, 0x01 };
	const uint8_t bound[] = { 0x62, 0x00 };
	const uint8_t pop[] = { 0x8F, 0x00 };
	const uint8_t xop[] = { 0x8F, 0xE8, 0x78, 0xC2, 0xC1, 0x05 };

	assert_int_equal(insn_decode(&in, les, sizeof(les), INSN_MODE_32), 0);
	assert_int_equal(in.vex_kind, INSN_VEX_NONE);
	assert_true(in.mem);
	assert_int_equal(insn_decode(&in, vex3, sizeof(vex3), INSN_MODE_32), 0);
	assert_int_equal(in.vex_kind, INSN_VEX_VEX3);
	assert_int_equal(in.map, INSN_MAP_0F38);
	assert_int_equal(in.opcode, 0x00);
	assert_int_equal(insn_decode(&in, vex2, sizeof(vex2), INSN_MODE_64), 0);
	assert_int_equal(in.vex_kind, INSN_VEX_VEX2);
	assert_false(in.has_modrm);               /* VZEROUPPER */
	assert_int_equal(insn_decode(&in, evex, sizeof(evex), INSN_MODE_64), 0);
	assert_int_equal(in.vex_kind, INSN_VEX_EVEX);
	assert_int_equal(in.disp_size, 1);        /* disp8*N is still one byte */
	assert_int_equal(insn_decode(&in, bound, sizeof(bound), INSN_MODE_32), 0);
	assert_int_equal(in.vex_kind, INSN_VEX_NONE);
	host_log_reset();
	assert_int_equal(insn_decode(&in, les, sizeof(les), INSN_MODE_64), -EAGAIN);
	assert_int_equal(insn_decode(&in, pop, sizeof(pop), INSN_MODE_64), 0);
	assert_int_equal(in.vex_kind, INSN_VEX_NONE);
	assert_int_equal(in.opsize, 8);           /* POP is d64 */
	assert_int_equal(insn_decode(&in, xop, sizeof(xop), INSN_MODE_64), 0);
	assert_int_equal(in.vex_kind, INSN_VEX_XOP);
	assert_int_equal(in.map, INSN_MAP_XOP8);
	assert_int_equal(in.imm, 5);
	/* The escape byte alone: cannot tell LES from VEX yet. */
	assert_int_equal(insn_length(les, 1, INSN_MODE_32), -EAGAIN);
}

/* Pseudo-random bytes at every offset: never a crash or out-of-bounds read
 * (ASan), lengths within 1..15, and the result depends only on the bytes the
 * instruction occupies: with exactly len bytes it decodes the same, with
 * fewer it asks for more, with 15+ available it never asks for more. */
static void test_random_bytes_self_consistent(void **state)
{
	(void)state;
	enum { SIZE = 6000 };
	static uint8_t buf[SIZE + INSN_MAX_LEN];
	uint32_t x = 12345;
	unsigned ok = 0, bad = 0;
	for (size_t i = 0; i < sizeof(buf); i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (uint8_t)(x >> 16);
	}
	host_log_reset();
	for (int mode = INSN_MODE_16; mode <= INSN_MODE_64; mode++) {
		for (size_t off = 0; off < SIZE; off++) {
			int len = insn_length(buf + off, INSN_MAX_LEN, (enum insn_mode)mode);
			assert_int_not_equal(len, -EAGAIN);
			if (len < 0) {
				assert_int_equal(len, -EINVAL);
				bad++;
				continue;
			}
			ok++;
			assert_in_range(len, 1, INSN_MAX_LEN);
			uint8_t *exact = malloc((size_t)len);
			assert_non_null(exact);
			memcpy(exact, buf + off, (size_t)len);
			assert_int_equal(insn_length(exact, (size_t)len, (enum insn_mode)mode), len);
			assert_int_equal(insn_length(exact, (size_t)len - 1, (enum insn_mode)mode), -EAGAIN);
			free(exact);
		}
	}
	/* Random bytes are mostly valid code; the rejected ones were logged. */
	assert_true(ok > 10 * bad);
	assert_int_equal(host_log_count(LOG_WARN), bad);
}

static void test_bad_arguments(void **state)
{
	(void)state;
	struct insn in;
	const uint8_t nop[] = { 0x90 };
	host_log_reset();
	assert_int_equal(insn_decode(&in, nop, 1, (enum insn_mode)7), -EINVAL);
	assert_true(host_log_contains("bad decode mode"));
	assert_int_equal(insn_length(NULL, 0, INSN_MODE_64), -EAGAIN);
}

static void test_bytes_to_hex(void **state)
{
	(void)state;
	const uint8_t b[] = { 0x0F, 0x01, 0xD9 };
	char buf[16];
	insn_bytes_to_hex(b, 3, buf, sizeof(buf));
	assert_string_equal(buf, "0f 01 d9");
	insn_bytes_to_hex(b, 3, buf, 6);       /* room for "0f 01" only */
	assert_string_equal(buf, "0f 01");
	insn_bytes_to_hex(b, 3, buf, 2);
	assert_string_equal(buf, "");
	insn_bytes_to_hex(b, 0, buf, sizeof(buf));
	assert_string_equal(buf, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lengths_match_binutils),
		cmocka_unit_test(test_truncated_input_needs_more),
		cmocka_unit_test(test_invalid_opcodes_rejected_and_logged),
		cmocka_unit_test(test_mode_dependent_validity),
		cmocka_unit_test(test_fifteen_byte_limit),
		cmocka_unit_test(test_decoded_fields),
		cmocka_unit_test(test_vex_escapes_versus_legacy),
		cmocka_unit_test(test_random_bytes_self_consistent),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_bytes_to_hex),
	};
	host_log_quiet(true);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
