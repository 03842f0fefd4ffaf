/* test_insn_emulate.c - the MMIO instruction emulator (vmm/insn_emulate.c)
 * against a fake vCPU and a fake device: MOV loads and stores of each size,
 * zero/sign extension, AH..BH and REX byte registers, 32-bit zero extension,
 * ALU results and flags checked against this x86-64 host's own instructions
 * (inline assembly), CMP/TEST not writing, XCHG, STOS with REP across the page
 * end, unsupported instructions and device errors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <plinth/insn.h>
#include "host_support.h"

#if !defined(__x86_64__)
#error "the expected flags are computed by the host CPU: build these tests on x86-64"
#endif

/* ---------------------------------------------------------------- fakes */

struct access {
	bool write;
	gpa_t gpa;
	unsigned size;
	uint64_t val;
};

struct fake {
	uint64_t regs[INSN_NR_GPRS];
	uint64_t rflags;
	uint64_t mem;          /* the device register, little-endian */
	int read_rc, write_rc; /* what the device returns */
	unsigned naccess;
	struct access log[4200];
};

static uint64_t mask_of(unsigned size)
{
	return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

static uint64_t fake_read_gpr(void *ctx, unsigned reg)
{
	struct fake *f = ctx;
	assert_true(reg < INSN_NR_GPRS);
	return f->regs[reg];
}

static void fake_write_gpr(void *ctx, unsigned reg, uint64_t value)
{
	struct fake *f = ctx;
	assert_true(reg < INSN_NR_GPRS);
	f->regs[reg] = value;
}

static uint64_t fake_get_rflags(void *ctx) { return ((struct fake *)ctx)->rflags; }
static void fake_set_rflags(void *ctx, uint64_t v) { ((struct fake *)ctx)->rflags = v; }

static void log_access(struct fake *f, bool write, gpa_t gpa, unsigned size, uint64_t val)
{
	assert_true(size == 1 || size == 2 || size == 4 || size == 8);
	assert_true(f->naccess < sizeof(f->log) / sizeof(f->log[0]));
	f->log[f->naccess++] = (struct access){ write, gpa, size, val };
}

static int fake_mmio_read(void *ctx, gpa_t gpa, unsigned size, uint64_t *val)
{
	struct fake *f = ctx;
	log_access(f, false, gpa, size, 0);
	if (f->read_rc)
		return f->read_rc;
	*val = f->mem & mask_of(size);
	return 0;
}

static int fake_mmio_write(void *ctx, gpa_t gpa, unsigned size, uint64_t val)
{
	struct fake *f = ctx;
	log_access(f, true, gpa, size, val);
	assert_true((val & ~mask_of(size)) == 0);
	if (f->write_rc)
		return f->write_rc;
	f->mem = (f->mem & ~mask_of(size)) | val;
	return 0;
}

static const struct insn_emul_ops fake_ops = {
	.read_gpr = fake_read_gpr,
	.write_gpr = fake_write_gpr,
	.get_rflags = fake_get_rflags,
	.set_rflags = fake_set_rflags,
	.mmio_read = fake_mmio_read,
	.mmio_write = fake_mmio_write,
};

#define GPA 0xFED00040ULL
#define RFLAGS_INIT 0x202ULL   /* IF and the always-one bit 1 */

static void fake_reset(struct fake *f)
{
	memset(f, 0, sizeof(*f));
	for (unsigned i = 0; i < INSN_NR_GPRS; i++)
		f->regs[i] = 0x1111111111111111ULL * (i + 1);  /* recognisable */
	f->rflags = RFLAGS_INIT;
}

/* Decode bytes in mode and emulate at GPA; returns the emulator's result. */
static int emulate(struct fake *f, enum insn_mode mode, const uint8_t *bytes, size_t n)
{
	struct insn in;
	int rc = insn_decode(&in, bytes, n, mode);
	assert_int_equal(rc, 0);
	assert_int_equal(in.len, n);
	return insn_emulate_mmio(&in, GPA, &fake_ops, f);
}

#define EMU64(f, ...) ({ static const uint8_t b_[] = { __VA_ARGS__ }; \
			 emulate((f), INSN_MODE_64, b_, sizeof(b_)); })

/* ---------------------------------------------------------------- MOV */

static void test_mov_store_sizes(void **state)
{
	(void)state;
	struct fake f;

	fake_reset(&f);
	f.regs[INSN_RAX] = 0x8877665544332211ULL;
	assert_int_equal(EMU64(&f, 0x88, 0x03), 2);           /* mov %al,(%rbx) */
	assert_int_equal(f.naccess, 1);
	assert_true(f.log[0].write);
	assert_int_equal(f.log[0].gpa, GPA);
	assert_int_equal(f.log[0].size, 1);
	assert_int_equal(f.log[0].val, 0x11);

	fake_reset(&f);
	f.regs[INSN_RAX] = 0x8877665544332211ULL;
	assert_int_equal(EMU64(&f, 0x88, 0x23), 2);           /* mov %ah,(%rbx) */
	assert_int_equal(f.log[0].val, 0x22);

	fake_reset(&f);
	f.regs[INSN_RSP] = 0x00000000000000ABULL;
	assert_int_equal(EMU64(&f, 0x40, 0x88, 0x23), 3);     /* mov %spl,(%rbx) */
	assert_int_equal(f.log[0].val, 0xAB);

	fake_reset(&f);
	f.regs[INSN_R8] = 0xCDULL;
	assert_int_equal(EMU64(&f, 0x44, 0x88, 0x03), 3);     /* mov %r8b,(%rbx) */
	assert_int_equal(f.log[0].val, 0xCD);

	fake_reset(&f);
	f.regs[INSN_RCX] = 0x8877665544332211ULL;
	assert_int_equal(EMU64(&f, 0x66, 0x89, 0x0B), 3);     /* mov %cx,(%rbx) */
	assert_int_equal(f.log[0].size, 2);
	assert_int_equal(f.log[0].val, 0x2211);

	fake_reset(&f);
	f.regs[INSN_RCX] = 0x8877665544332211ULL;
	assert_int_equal(EMU64(&f, 0x89, 0x0B), 2);           /* mov %ecx,(%rbx) */
	assert_int_equal(f.log[0].size, 4);
	assert_int_equal(f.log[0].val, 0x44332211);

	fake_reset(&f);
	f.regs[INSN_R15] = 0x8877665544332211ULL;
	assert_int_equal(EMU64(&f, 0x4F, 0x89, 0xBC, 0xEC, 0x78, 0x56, 0x34, 0x12), 8);
	assert_int_equal(f.log[0].size, 8);                   /* mov %r15,0x12345678(%r12,%r13,8) */
	assert_true(f.log[0].val == 0x8877665544332211ULL);

	/* Immediates: C6 /0 ib, C7 /0 iw/id, REX.W C7 sign-extends imm32. */
	fake_reset(&f);
	assert_int_equal(EMU64(&f, 0xC6, 0x00, 0x5A), 3);
	assert_int_equal(f.log[0].size, 1);
	assert_int_equal(f.log[0].val, 0x5A);
	fake_reset(&f);
	assert_int_equal(EMU64(&f, 0x66, 0xC7, 0x00, 0x34, 0x12), 5);
	assert_int_equal(f.log[0].size, 2);
	assert_int_equal(f.log[0].val, 0x1234);
	fake_reset(&f);
	assert_int_equal(EMU64(&f, 0xC7, 0x40, 0x10, 0x78, 0x56, 0x34, 0x12), 7);
	assert_int_equal(f.log[0].size, 4);
	assert_int_equal(f.log[0].val, 0x12345678);
	fake_reset(&f);
	assert_int_equal(EMU64(&f, 0x48, 0xC7, 0x00, 0xF0, 0xFF, 0xFF, 0xFF), 7);
	assert_int_equal(f.log[0].size, 8);
	assert_true(f.log[0].val == 0xFFFFFFFFFFFFFFF0ULL);

	/* moffs stores: A2 (AL) and REX.W A3 (RAX) with a 64-bit offset. */
	fake_reset(&f);
	f.regs[INSN_RAX] = 0x8877665544332211ULL;
	assert_int_equal(EMU64(&f, 0xA2, 0x40, 0, 0xD0, 0xFE, 0, 0, 0, 0), 9);
	assert_int_equal(f.log[0].val, 0x11);
	fake_reset(&f);
	f.regs[INSN_RAX] = 0x8877665544332211ULL;
	assert_int_equal(EMU64(&f, 0x48, 0xA3, 0x40, 0, 0xD0, 0xFE, 0, 0, 0, 0), 10);
	assert_int_equal(f.log[0].size, 8);
	assert_true(f.log[0].val == 0x8877665544332211ULL);
	/* No flags change on MOV. */
	assert_int_equal(f.rflags, RFLAGS_INIT);
}

static void test_mov_load_register_merging(void **state)
{
	(void)state;
	struct fake f;
	const uint64_t old = 0xAAAAAAAAAAAAAAAAULL;

	fake_reset(&f);
	f.mem = 0x8877665544332211ULL;
	f.regs[INSN_RCX] = old;
	assert_int_equal(EMU64(&f, 0x8A, 0x0B), 2);           /* mov (%rbx),%cl */
	assert_true(f.regs[INSN_RCX] == 0xAAAAAAAAAAAAAA11ULL);
	assert_int_equal(f.log[0].size, 1);
	assert_false(f.log[0].write);

	fake_reset(&f);
	f.mem = 0x8877665544332211ULL;
	f.regs[INSN_RCX] = old;
	assert_int_equal(EMU64(&f, 0x8A, 0x2B), 2);           /* mov (%rbx),%ch */
	assert_true(f.regs[INSN_RCX] == 0xAAAAAAAAAAAA11AAULL);
	assert_true(f.regs[INSN_RBP] == 0x6666666666666666ULL); /* not BPL */

	fake_reset(&f);
	f.mem = 0x8877665544332211ULL;
	f.regs[INSN_RBP] = old;
	assert_int_equal(EMU64(&f, 0x40, 0x8A, 0x2B), 3);     /* mov (%rbx),%bpl */
	assert_true(f.regs[INSN_RBP] == 0xAAAAAAAAAAAAAA11ULL);

	fake_reset(&f);
	f.mem = 0x8877665544332211ULL;
	f.regs[INSN_RDX] = old;
	assert_int_equal(EMU64(&f, 0x66, 0x8B, 0x13), 3);     /* mov (%rbx),%dx */
	assert_true(f.regs[INSN_RDX] == 0xAAAAAAAAAAAA2211ULL);

	/* A 32-bit load zero-extends into the 64-bit register. */
	fake_reset(&f);
	f.mem = 0x88776655F4332211ULL;
	f.regs[INSN_RDX] = old;
	assert_int_equal(EMU64(&f, 0x8B, 0x13), 2);           /* mov (%rbx),%edx */
	assert_true(f.regs[INSN_RDX] == 0x00000000F4332211ULL);

	fake_reset(&f);
	f.mem = 0x8877665544332211ULL;
	assert_int_equal(EMU64(&f, 0x4C, 0x8B, 0x2B), 3);     /* mov (%rbx),%r13 */
	assert_true(f.regs[INSN_R13] == 0x8877665544332211ULL);
	assert_int_equal(f.log[0].size, 8);

	/* moffs loads. */
	fake_reset(&f);
	f.mem = 0x8877665544332211ULL;
	f.regs[INSN_RAX] = old;
	assert_int_equal(EMU64(&f, 0xA1, 0x40, 0, 0xD0, 0xFE, 0, 0, 0, 0), 9);
	assert_true(f.regs[INSN_RAX] == 0x44332211ULL);

	/* 16-bit mode: 8B is a 16-bit load, 66 8B a 32-bit one. */
	fake_reset(&f);
	f.mem = 0x8877665544332211ULL;
	f.regs[INSN_RAX] = old;
	static const uint8_t ld16[] = { 0x8B, 0x07 };         /* mov (%bx),%ax */
	assert_int_equal(emulate(&f, INSN_MODE_16, ld16, sizeof(ld16)), 2);
	assert_true(f.regs[INSN_RAX] == 0xAAAAAAAAAAAA2211ULL);
	static const uint8_t ld32[] = { 0x66, 0x8B, 0x07 };   /* mov (%bx),%eax */
	assert_int_equal(emulate(&f, INSN_MODE_16, ld32, sizeof(ld32)), 3);
	assert_true(f.regs[INSN_RAX] == 0x44332211ULL);
	assert_int_equal(f.log[1].size, 4);
}

static void test_movzx_movsx(void **state)
{
	(void)state;
	struct fake f;

	fake_reset(&f);
	f.mem = 0x000000000000F080ULL;
	assert_int_equal(EMU64(&f, 0x0F, 0xB6, 0x03), 3);     /* movzbl (%rbx),%eax */
	assert_true(f.regs[INSN_RAX] == 0x80);
	assert_int_equal(f.log[0].size, 1);
	assert_int_equal(EMU64(&f, 0x0F, 0xBE, 0x03), 3);     /* movsbl (%rbx),%eax */
	assert_true(f.regs[INSN_RAX] == 0xFFFFFF80ULL);       /* 32-bit: upper zero */
	assert_int_equal(EMU64(&f, 0x48, 0x0F, 0xBE, 0x03), 4); /* movsbq */
	assert_true(f.regs[INSN_RAX] == 0xFFFFFFFFFFFFFF80ULL);
	assert_int_equal(EMU64(&f, 0x0F, 0xB7, 0x03), 3);     /* movzwl */
	assert_true(f.regs[INSN_RAX] == 0xF080);
	assert_int_equal(f.log[3].size, 2);
	assert_int_equal(EMU64(&f, 0x48, 0x0F, 0xBF, 0x03), 4); /* movswq */
	assert_true(f.regs[INSN_RAX] == 0xFFFFFFFFFFFFF080ULL);
	f.regs[INSN_RAX] = 0xAAAAAAAAAAAAAAAAULL;
	assert_int_equal(EMU64(&f, 0x66, 0x0F, 0xBE, 0x03), 4); /* movsbw: keeps 63:16 */
	assert_true(f.regs[INSN_RAX] == 0xAAAAAAAAAAAAFF80ULL);

	/* MOVSXD (%rbx),%rax */
	fake_reset(&f);
	f.mem = 0x80000000ULL;
	assert_int_equal(EMU64(&f, 0x48, 0x63, 0x03), 3);
	assert_true(f.regs[INSN_RAX] == 0xFFFFFFFF80000000ULL);
	assert_int_equal(f.log[0].size, 4);
}

/* ---------------------------------------------------------------- ALU vs host */

/* Run "insn %y, %x" on the host CPU with RFLAGS = *flags first; returns x
 * and the resulting RFLAGS. The 128-byte step skips the red zone. */
#define HOST_BINOP(name, mnem, type, sfx)                                          \
	static uint64_t host_##name##_##sfx(uint64_t a, uint64_t b, uint64_t *flags) \
	{                                                                           \
		type x = (type)a, y = (type)b;                                      \
		uint64_t fl = *flags;                                               \
		__asm__ volatile("sub $128, %%rsp\n\tpush %[fl]\n\tpopfq\n\t"      \
				 mnem #sfx " %[y], %[x]\n\t"                        \
				 "pushfq\n\tpop %[fl]\n\tadd $128, %%rsp"          \
				 : [x] "+r"(x), [fl] "+r"(fl) : [y] "r"(y) : "cc", "memory"); \
		*flags = fl;                                                        \
		return (uint64_t)x;                                                 \
	}
#define HOST_UNOP(name, mnem, type, sfx)                                           \
	static uint64_t host_##name##_##sfx(uint64_t a, uint64_t b, uint64_t *flags) \
	{                                                                           \
		type x = (type)a;                                                   \
		uint64_t fl = *flags;                                               \
		(void)b;                                                            \
		__asm__ volatile("sub $128, %%rsp\n\tpush %[fl]\n\tpopfq\n\t"      \
				 mnem #sfx " %[x]\n\t"                              \
				 "pushfq\n\tpop %[fl]\n\tadd $128, %%rsp"          \
				 : [x] "+r"(x), [fl] "+r"(fl) : : "cc", "memory");  \
		*flags = fl;                                                        \
		return (uint64_t)x;                                                 \
	}
#define HOST_ALL_SIZES(kind, name, mnem) \
	kind(name, mnem, uint8_t, b) kind(name, mnem, uint16_t, w) \
	kind(name, mnem, uint32_t, l) kind(name, mnem, uint64_t, q)

HOST_ALL_SIZES(HOST_BINOP, add, "add")
HOST_ALL_SIZES(HOST_BINOP, or, "or")
HOST_ALL_SIZES(HOST_BINOP, adc, "adc")
HOST_ALL_SIZES(HOST_BINOP, sbb, "sbb")
HOST_ALL_SIZES(HOST_BINOP, and, "and")
HOST_ALL_SIZES(HOST_BINOP, sub, "sub")
HOST_ALL_SIZES(HOST_BINOP, xor, "xor")
HOST_ALL_SIZES(HOST_BINOP, cmp, "cmp")
HOST_ALL_SIZES(HOST_BINOP, test, "test")
HOST_ALL_SIZES(HOST_UNOP, inc, "inc")
HOST_ALL_SIZES(HOST_UNOP, dec, "dec")
HOST_ALL_SIZES(HOST_UNOP, neg, "neg")
HOST_ALL_SIZES(HOST_UNOP, not, "not")

typedef uint64_t (*host_fn)(uint64_t a, uint64_t b, uint64_t *flags);

#define FNS(name) { host_##name##_b, host_##name##_w, host_##name##_l, host_##name##_q }

/* The eight Group 1 operations in opcode order (SDM vol. 2 Table A-6). */
static const struct {
	const char *name;
	host_fn fn[4];
	bool logic;       /* AF undefined: not compared */
	bool writes;
} group1[8] = {
	{ "add", FNS(add), false, true }, { "or", FNS(or), true, true },
	{ "adc", FNS(adc), false, true }, { "sbb", FNS(sbb), false, true },
	{ "and", FNS(and), true, true },  { "sub", FNS(sub), false, true },
	{ "xor", FNS(xor), true, true },  { "cmp", FNS(cmp), false, false },
};

static const uint64_t values[] = {
	0, 1, 2, 0x0F, 0x10, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF,
	0x80000000ULL, 0xFFFFFFFFULL, 0x7FFFFFFFFFFFFFFFULL, 0x8000000000000000ULL,
	0xFFFFFFFFFFFFFFFFULL, 0x123456789ABCDEF0ULL, 0xFEDCBA9876543210ULL, 0x5555AAAA5555AAAAULL,
};

static const unsigned sizes[4] = { 1, 2, 4, 8 };

/* Encode "op reg,(%rbx)" (mem_is_dest) or "op (%rbx),reg" with reg = %rax
 * family, for size and Group 1 operation number op. */
static size_t encode_alu_rm(uint8_t *buf, unsigned op, unsigned size_idx, bool mem_is_dest)
{
	size_t n = 0;
	if (size_idx == 1)
		buf[n++] = 0x66;
	if (size_idx == 3)
		buf[n++] = 0x48;
	buf[n++] = (uint8_t)(op * 8 + (mem_is_dest ? 0 : 2) + (size_idx ? 1 : 0));
	buf[n++] = 0x03;  /* mod=00 reg=rax rm=rbx */
	return n;
}

static uint64_t expected_status(uint64_t host_flags, bool logic)
{
	uint64_t m = INSN_RFLAGS_STATUS & ~(logic ? INSN_RFLAGS_AF : 0);
	return host_flags & m;
}

static void check_flags(const struct fake *f, uint64_t host_flags, bool logic)
{
	uint64_t m = INSN_RFLAGS_STATUS & ~(logic ? INSN_RFLAGS_AF : 0);
	assert_int_equal(f->rflags & m, expected_status(host_flags, logic));
	/* Non-status bits are untouched. */
	assert_int_equal(f->rflags & ~INSN_RFLAGS_STATUS, RFLAGS_INIT);
}

static void test_alu_register_forms_match_host(void **state)
{
	(void)state;
	struct fake f;
	uint8_t code[8];
	unsigned runs = 0;
	for (unsigned op = 0; op < 8; op++)
	for (unsigned si = 0; si < 4; si++)
	for (unsigned dir = 0; dir < 2; dir++)
	for (size_t i = 0; i < ARRAY_SIZE(values); i++)
	for (size_t j = 0; j < ARRAY_SIZE(values); j++)
	for (unsigned cf = 0; cf < 2; cf++) {
		unsigned size = sizes[si];
		bool mem_is_dest = dir == 0;
		uint64_t a = values[i], b = values[j];
		uint64_t hflags = RFLAGS_INIT | cf;
		uint64_t hres = group1[op].fn[si](a, b, &hflags);
		size_t n = encode_alu_rm(code, op, si, mem_is_dest);

		fake_reset(&f);
		f.rflags = RFLAGS_INIT | cf;
		/* Destination holds a, source holds b. */
		if (mem_is_dest) {
			f.mem = a;
			f.regs[INSN_RAX] = b;
		} else {
			f.regs[INSN_RAX] = a;
			f.mem = b;
		}
		uint64_t rax_before = f.regs[INSN_RAX];
		assert_int_equal(emulate(&f, INSN_MODE_64, code, n), (int)n);
		if (mem_is_dest) {
			if (group1[op].writes) {
				assert_int_equal(f.naccess, 2);
				assert_true(f.log[1].write);
				assert_int_equal(f.log[1].size, size);
				assert_true(f.log[1].val == (hres & mask_of(size)));
			} else {
				assert_int_equal(f.naccess, 1);  /* CMP: read only */
			}
			assert_true(f.regs[INSN_RAX] == rax_before);
		} else {
			uint64_t want = rax_before;
			assert_int_equal(f.naccess, 1);
			if (group1[op].writes) {
				if (size == 4)
					want = hres & 0xFFFFFFFFULL;  /* zero-extended */
				else
					want = (rax_before & ~mask_of(size)) | (hres & mask_of(size));
			}
			assert_true(f.regs[INSN_RAX] == want);
		}
		check_flags(&f, hflags, group1[op].logic);
		runs++;
	}
	assert_int_equal(runs, 8 * 4 * 2 * ARRAY_SIZE(values) * ARRAY_SIZE(values) * 2);
}

/* 80 /op ib, 81 /op iz, 83 /op ib (sign-extended) against memory. */
static void test_alu_immediate_forms_match_host(void **state)
{
	(void)state;
	struct fake f;
	static const uint32_t imms[] = { 0, 1, 0x7F, 0x80, 0xFF, 0x1234, 0x80000000u, 0xFFFFFFFFu };
	for (unsigned op = 0; op < 8; op++)
	for (unsigned form = 0; form < 3; form++)          /* 80, 81, 83 */
	for (unsigned si = 0; si < 4; si++)
	for (size_t i = 0; i < ARRAY_SIZE(values); i++)
	for (size_t k = 0; k < ARRAY_SIZE(imms); k++) {
		unsigned size = sizes[si];
		uint8_t code[16];
		size_t n = 0;
		uint64_t b;
		if (form == 0 && si != 0)
			continue;
		if (form != 0 && si == 0)
			continue;
		if (si == 1)
			code[n++] = 0x66;
		if (si == 3)
			code[n++] = 0x48;
		code[n++] = form == 0 ? 0x80 : form == 1 ? 0x81 : 0x83;
		code[n++] = (uint8_t)(0x03 | (op << 3));    /* /op, (%rbx) */
		if (form == 1 && size == 2) {
			code[n++] = (uint8_t)imms[k];
			code[n++] = (uint8_t)(imms[k] >> 8);
			b = imms[k] & 0xFFFF;
		} else if (form == 1) {
			for (int s = 0; s < 32; s += 8)
				code[n++] = (uint8_t)(imms[k] >> s);
			b = (uint64_t)(int64_t)(int32_t)imms[k];
		} else {
			code[n++] = (uint8_t)imms[k];
			b = (uint64_t)(int64_t)(int8_t)imms[k];
		}
		uint64_t hflags = RFLAGS_INIT | INSN_RFLAGS_CF;
		uint64_t hres = group1[op].fn[si](values[i], b, &hflags);

		fake_reset(&f);
		f.rflags = RFLAGS_INIT | INSN_RFLAGS_CF;
		f.mem = values[i];
		assert_int_equal(emulate(&f, INSN_MODE_64, code, n), (int)n);
		assert_int_equal(f.naccess, group1[op].writes ? 2 : 1);
		if (group1[op].writes)
			assert_true(f.log[1].val == (hres & mask_of(size)));
		check_flags(&f, hflags, group1[op].logic);
	}
}

/* TEST (84/85, F6/F7 /0), INC/DEC (FE/FF), NOT/NEG (F6/F7) vs the host. */
static void test_test_inc_dec_not_neg_match_host(void **state)
{
	(void)state;
	struct fake f;
	static const struct { const char *name; host_fn fn[4]; uint8_t op8, opv, reg;
			      bool logic, writes, reg_src; } ops[] = {
		{ "test r", FNS(test), 0x84, 0x85, 0, true, false, true },
		{ "test i", FNS(test), 0xF6, 0xF7, 0, true, false, false },
		{ "inc", FNS(inc), 0xFE, 0xFF, 0, false, true, false },
		{ "dec", FNS(dec), 0xFE, 0xFF, 1, false, true, false },
		{ "not", FNS(not), 0xF6, 0xF7, 2, false, true, false },
		{ "neg", FNS(neg), 0xF6, 0xF7, 3, false, true, false },
	};
	for (size_t o = 0; o < ARRAY_SIZE(ops); o++)
	for (unsigned si = 0; si < 4; si++)
	for (size_t i = 0; i < ARRAY_SIZE(values); i++)
	for (size_t j = 0; j < ARRAY_SIZE(values); j++)
	for (unsigned cf = 0; cf < 2; cf++) {
		unsigned size = sizes[si];
		uint8_t code[16];
		size_t n = 0;
		uint64_t b = values[j];
		if (si == 1)
			code[n++] = 0x66;
		if (si == 3)
			code[n++] = 0x48;
		code[n++] = si == 0 ? ops[o].op8 : ops[o].opv;
		code[n++] = (uint8_t)(0x03 | (ops[o].reg << 3));
		if (ops[o].fn[0] == host_test_b && !ops[o].reg_src) {
			/* F6 ib / F7 iw or id (sign-extended for 64). */
			unsigned isz = size == 1 ? 1 : size == 2 ? 2 : 4;
			for (unsigned s = 0; s < isz; s++)
				code[n++] = (uint8_t)(b >> (8 * s));
			b = isz == 4 ? (uint64_t)(int64_t)(int32_t)b : b;
		}
		uint64_t hflags = RFLAGS_INIT | cf;
		uint64_t hres = ops[o].fn[si](values[i], b, &hflags);

		fake_reset(&f);
		f.rflags = RFLAGS_INIT | cf;
		f.mem = values[i];
		f.regs[INSN_RAX] = b;
		assert_int_equal(emulate(&f, INSN_MODE_64, code, n), (int)n);
		assert_int_equal(f.naccess, ops[o].writes ? 2 : 1);
		if (ops[o].writes)
			assert_true(f.log[1].val == (hres & mask_of(size)));
		if (ops[o].fn[0] == host_not_b)
			assert_int_equal(f.rflags, RFLAGS_INIT | cf);   /* NOT: no flags */
		else
			check_flags(&f, hflags, ops[o].logic);
	}
}

/* CMP and TEST only read the device, and the register operand is unchanged. */
static void test_cmp_test_do_not_write(void **state)
{
	(void)state;
	struct fake f;
	fake_reset(&f);
	f.mem = 5;
	f.regs[INSN_RCX] = 5;
	assert_int_equal(EMU64(&f, 0x39, 0x0B), 2);          /* cmp %ecx,(%rbx) */
	assert_int_equal(EMU64(&f, 0x3B, 0x0B), 2);          /* cmp (%rbx),%ecx */
	assert_int_equal(EMU64(&f, 0x85, 0x0B), 2);          /* test %ecx,(%rbx) */
	assert_int_equal(EMU64(&f, 0x83, 0x3B, 0x05), 3);    /* cmpl $5,(%rbx) */
	assert_int_equal(EMU64(&f, 0xF6, 0x03, 0x04), 3);    /* testb $4,(%rbx) */
	assert_int_equal(f.naccess, 5);
	for (unsigned i = 0; i < f.naccess; i++)
		assert_false(f.log[i].write);
	assert_true(f.regs[INSN_RCX] == 5);
	assert_int_equal(f.rflags & INSN_RFLAGS_ZF, 0);       /* 5 & 4 != 0 */
}

static void test_xchg(void **state)
{
	(void)state;
	struct fake f;
	fake_reset(&f);
	f.mem = 0x11223344;
	f.regs[INSN_RDX] = 0xAAAAAAAA55667788ULL;
	assert_int_equal(EMU64(&f, 0x87, 0x13), 2);          /* xchg %edx,(%rbx) */
	assert_int_equal(f.naccess, 2);
	assert_false(f.log[0].write);
	assert_true(f.log[1].write);
	assert_int_equal(f.log[1].val, 0x55667788);
	assert_true(f.regs[INSN_RDX] == 0x11223344ULL);      /* zero-extended */

	fake_reset(&f);
	f.mem = 0x44;
	f.regs[INSN_RBX] = 0xAAAAAAAAAAAA55AAULL;
	assert_int_equal(EMU64(&f, 0x86, 0x3B), 2);          /* xchg %bh,(%rbx) */
	assert_int_equal(f.log[1].val, 0x55);
	assert_true(f.regs[INSN_RBX] == 0xAAAAAAAAAAAA44AAULL);
}

/* ---------------------------------------------------------------- STOS */

static void test_stos(void **state)
{
	(void)state;
	struct fake f;

	/* Plain STOSL: one store, RDI advances by 4. */
	fake_reset(&f);
	f.regs[INSN_RAX] = 0x1122334455667788ULL;
	f.regs[INSN_RDI] = 0x1000;
	assert_int_equal(EMU64(&f, 0xAB), 1);
	assert_int_equal(f.naccess, 1);
	assert_int_equal(f.log[0].size, 4);
	assert_int_equal(f.log[0].val, 0x55667788);
	assert_true(f.regs[INSN_RDI] == 0x1004);

	/* REP STOSQ of 3 within the page: completes. */
	fake_reset(&f);
	f.regs[INSN_RAX] = 7;
	f.regs[INSN_RCX] = 3;
	f.regs[INSN_RDI] = 0x2000;
	assert_int_equal(EMU64(&f, 0xF3, 0x48, 0xAB), 3);
	assert_int_equal(f.naccess, 3);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(f.log[i].gpa, GPA + 8 * i);
		assert_int_equal(f.log[i].size, 8);
	}
	assert_true(f.regs[INSN_RCX] == 0);
	assert_true(f.regs[INSN_RDI] == 0x2018);

	/* REP STOSB running past the page end: stops there, returns 0 (do
	 * not advance RIP), RCX/RDI tell the guest where to resume. */
	fake_reset(&f);
	f.regs[INSN_RCX] = 0x10000;
	f.regs[INSN_RDI] = 0x40;
	assert_int_equal(EMU64(&f, 0xF3, 0xAA), 0);
	unsigned done = (unsigned)(4096 - (GPA & 0xFFF));
	assert_int_equal(f.naccess, done);
	assert_true(f.regs[INSN_RCX] == 0x10000 - done);
	assert_true(f.regs[INSN_RDI] == 0x40 + done);

	/* DF=1: downwards, stops at the page start. */
	fake_reset(&f);
	f.rflags |= INSN_RFLAGS_DF;
	f.regs[INSN_RCX] = 100;
	f.regs[INSN_RDI] = 0x5040;
	assert_int_equal(EMU64(&f, 0xF3, 0xAB), 0);
	assert_int_equal(f.naccess, 17);                     /* 0x40, 0x3C, ... 0x0 */
	assert_int_equal(f.log[16].gpa, GPA - 0x40);
	assert_true(f.regs[INSN_RCX] == 83);
	assert_true(f.regs[INSN_RDI] == 0x5040 - 17 * 4);

	/* 16-bit address size: only CX and DI change, DI wraps. */
	fake_reset(&f);
	f.regs[INSN_RCX] = 0xABCD0002;
	f.regs[INSN_RDI] = 0x1234FFFF;
	static const uint8_t rep16[] = { 0xF3, 0xAA };
	assert_int_equal(emulate(&f, INSN_MODE_16, rep16, sizeof(rep16)), 2);
	assert_true(f.regs[INSN_RCX] == 0xABCD0000);
	assert_true(f.regs[INSN_RDI] == 0x12340001);

	/* REP with RCX = 0 stores nothing. */
	fake_reset(&f);
	f.regs[INSN_RCX] = 0;
	assert_int_equal(EMU64(&f, 0xF3, 0xAB), 2);
	assert_int_equal(f.naccess, 0);
}

/* ---------------------------------------------------------------- errors */

static void test_unsupported_instruction(void **state)
{
	(void)state;
	struct fake f;
	fake_reset(&f);
	host_log_reset();
	assert_int_equal(EMU64(&f, 0xF7, 0x23), -ENOTSUP);          /* mull (%rbx) */
	assert_true(host_log_contains("unsupported MMIO instruction [f7 23]"));
	assert_int_equal(EMU64(&f, 0x66, 0x0F, 0x6F, 0x03), -ENOTSUP); /* movdqa (%rbx),%xmm0 */
	assert_int_equal(EMU64(&f, 0xA5), -ENOTSUP);                /* movsl */
	assert_int_equal(EMU64(&f, 0x0F, 0xA3, 0x03), -ENOTSUP);    /* bt %eax,(%rbx) */
	assert_int_equal(EMU64(&f, 0xFF, 0x33), -ENOTSUP);          /* pushq (%rbx) */
	assert_int_equal(EMU64(&f, 0xC5, 0xFD, 0x6F, 0x03), -ENOTSUP); /* vmovdqa (%rbx),%ymm0 */
	static const uint8_t arpl[] = { 0x63, 0x03 };
	assert_int_equal(emulate(&f, INSN_MODE_32, arpl, sizeof(arpl)), -ENOTSUP);
	assert_int_equal(host_log_count(LOG_WARN), 7);
	/* Nothing reached the device or the registers. */
	assert_int_equal(f.naccess, 0);
	assert_int_equal(f.rflags, RFLAGS_INIT);
}

static void test_no_memory_operand(void **state)
{
	(void)state;
	struct fake f;
	fake_reset(&f);
	host_log_reset();
	assert_int_equal(EMU64(&f, 0x01, 0xC0), -EINVAL);            /* add %eax,%eax */
	assert_int_equal(EMU64(&f, 0x0F, 0xA2), -EINVAL);            /* cpuid */
	assert_true(host_log_contains("without a memory operand"));
	assert_int_equal(f.naccess, 0);

	struct insn blank;
	memset(&blank, 0, sizeof(blank));
	assert_int_equal(insn_emulate_mmio(&blank, GPA, &fake_ops, &f), -EINVAL);
}

static void test_device_errors_propagate(void **state)
{
	(void)state;
	struct fake f;
	fake_reset(&f);
	f.read_rc = -EIO;
	f.regs[INSN_RAX] = 1234;
	assert_int_equal(EMU64(&f, 0x8B, 0x03), -EIO);               /* load */
	assert_true(f.regs[INSN_RAX] == 1234);
	assert_int_equal(EMU64(&f, 0x01, 0x03), -EIO);               /* RMW add */
	assert_int_equal(f.rflags, RFLAGS_INIT);
	fake_reset(&f);
	f.write_rc = -EFAULT;
	assert_int_equal(EMU64(&f, 0x89, 0x03), -EFAULT);            /* store */
	assert_int_equal(EMU64(&f, 0x01, 0x03), -EFAULT);            /* RMW add */
	assert_int_equal(f.rflags, RFLAGS_INIT);                     /* not committed */
	f.regs[INSN_RCX] = 5;
	f.regs[INSN_RDI] = 0x100;
	assert_int_equal(EMU64(&f, 0xF3, 0xAA), -EFAULT);            /* rep stosb */
	assert_true(f.regs[INSN_RCX] == 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mov_store_sizes),
		cmocka_unit_test(test_mov_load_register_merging),
		cmocka_unit_test(test_movzx_movsx),
		cmocka_unit_test(test_alu_register_forms_match_host),
		cmocka_unit_test(test_alu_immediate_forms_match_host),
		cmocka_unit_test(test_test_inc_dec_not_neg_match_host),
		cmocka_unit_test(test_cmp_test_do_not_write),
		cmocka_unit_test(test_xchg),
		cmocka_unit_test(test_stos),
		cmocka_unit_test(test_unsupported_instruction),
		cmocka_unit_test(test_no_memory_operand),
		cmocka_unit_test(test_device_errors_propagate),
	};
	host_log_quiet(true);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
