/* test_vmm_msr.c - the emulated MSRs (vmm/msr.c): reset values, values that
 * stick, the TSC / TSC_ADJUST coupling, and #GP for every class of bad
 * write (reserved bits, invalid memory types, non-canonical addresses,
 * read-only MSRs, moved APIC base) and for MSRs not in the table. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../vmm/msr.h"
#include "host_support.h"

static const struct msr_ctx ctx0 = { .host_tsc = 1000000, .phys_addr_bits = 39, .bsp = true };

static struct msr_state fresh(void)
{
	struct msr_state s;
	memset(&s, 0xA5, sizeof(s));    /* reset must set every field */
	msr_state_reset(&s, &ctx0);
	return s;
}

static uint64_t rd(struct msr_state *s, uint32_t msr)
{
	uint64_t v = 0xDEADBEEF;
	assert_int_equal(msr_read(s, &ctx0, msr, &v), MSR_OK);
	return v;
}

/* A write that must succeed and read back as val. */
static void wr_ok(struct msr_state *s, uint32_t msr, uint64_t val)
{
	assert_int_equal(msr_write(s, &ctx0, msr, val), MSR_OK);
	assert_int_equal(rd(s, msr), val);
}

/* A write that must fault and leave the MSR unchanged. */
static void wr_gp(struct msr_state *s, uint32_t msr, uint64_t val)
{
	uint64_t before = rd(s, msr);
	assert_int_equal(msr_write(s, &ctx0, msr, val), MSR_GP);
	assert_int_equal(rd(s, msr), before);
}

static void test_reset_values(void **state)
{
	struct msr_state s = fresh();
	struct msr_ctx ap = ctx0;
	(void)state;

	assert_int_equal(rd(&s, 0x1B), 0xFEE00900ULL);
	assert_int_equal(rd(&s, 0x277), 0x0007040600070406ULL);
	assert_int_equal(rd(&s, 0xFE), 0x508);
	assert_int_equal(rd(&s, 0x3A), 1);
	assert_int_equal(rd(&s, 0x1A0), 0x1801);
	assert_int_equal(rd(&s, 0x2FF), 0);
	assert_int_equal(rd(&s, 0x250), 0);
	assert_int_equal(rd(&s, 0x20F), 0);
	assert_int_equal(rd(&s, 0xC0000082), 0);
	assert_int_equal(rd(&s, 0x3B), 0);
	/* The guest TSC starts at 0 at reset. */
	assert_int_equal(rd(&s, 0x10), 0);

	ap.bsp = false;
	msr_state_reset(&s, &ap);
	assert_int_equal(rd(&s, 0x1B), 0xFEE00800ULL);
}

static void test_unknown_msrs(void **state)
{
	struct msr_state s = fresh();
	uint64_t v = 0;
	static const uint32_t unknown[] = {
		0, 0x11, 0x1C, 0x3C, 0x8A, 0x8C, 0xFD, 0xFF, 0x173, 0x177, 0x19F, 0x1A1, 0x210,
		0x24F, 0x251, 0x257, 0x25A, 0x267, 0x270, 0x276, 0x278, 0x2FE, 0x300,
		0xC0000080, 0xC0000085, 0xC0000100, 0xC0000101, 0xC0000104, 0xC0010000,
		0x40000000, 0xFFFFFFFF,
	};
	(void)state;

	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		assert_int_equal(msr_read(&s, &ctx0, unknown[i], &v), MSR_UNKNOWN);
		assert_int_equal(msr_write(&s, &ctx0, unknown[i], 0), MSR_UNKNOWN);
		assert_null(msr_name(unknown[i]));
	}
	assert_string_equal(msr_name(0x277), "IA32_PAT");
	assert_non_null(msr_name(0x26F));
}

static void test_read_only(void **state)
{
	struct msr_state s = fresh();
	(void)state;

	wr_gp(&s, 0xFE, 0x508);
	wr_gp(&s, 0x3A, 1);
	wr_gp(&s, 0x3A, 5);
}

static void test_apic_base(void **state)
{
	struct msr_state s = fresh();
	(void)state;

	wr_ok(&s, 0x1B, 0xFEE00100ULL);            /* disable */
	wr_ok(&s, 0x1B, 0xFEE00900ULL);            /* enable again */
	/* The BSP bit keeps its value. */
	assert_int_equal(msr_write(&s, &ctx0, 0x1B, 0xFEE00800ULL), MSR_OK);
	assert_int_equal(rd(&s, 0x1B), 0xFEE00900ULL);
	wr_gp(&s, 0x1B, 0xFEC00900ULL);            /* moved base */
	wr_gp(&s, 0x1B, 0xFEE00901ULL);            /* bit 0 */
	wr_gp(&s, 0x1B, 0xFEE00B00ULL);            /* bit 9 */
	wr_gp(&s, 0x1B, 0xFEE00D00ULL);            /* x2APIC, not offered by ctx0 */
	wr_gp(&s, 0x1B, (1ULL << 39) | 0xFEE00900ULL);   /* above MAXPHYADDR */
}

/* With x2APIC offered: the legal transitions of SDM vol. 3 §11.12.5. */
static void test_apic_base_x2apic(void **state)
{
	struct msr_state s = fresh();
	struct msr_ctx x2 = ctx0;
	uint64_t v = 0;
	(void)state;

	x2.x2apic = true;
	/* EN=0, EXTD=1 is invalid. */
	assert_int_equal(msr_write(&s, &x2, 0x1B, 0xFEE00500ULL), MSR_GP);
	/* xAPIC -> x2APIC. */
	assert_int_equal(msr_write(&s, &x2, 0x1B, 0xFEE00D00ULL), MSR_OK);
	assert_int_equal(msr_read(&s, &x2, 0x1B, &v), MSR_OK);
	assert_int_equal(v, 0xFEE00D00ULL);
	/* x2APIC -> xAPIC is not allowed. */
	assert_int_equal(msr_write(&s, &x2, 0x1B, 0xFEE00900ULL), MSR_GP);
	/* x2APIC -> disabled is. */
	assert_int_equal(msr_write(&s, &x2, 0x1B, 0xFEE00100ULL), MSR_OK);
	/* disabled -> x2APIC is not; disabled -> xAPIC -> x2APIC is. */
	assert_int_equal(msr_write(&s, &x2, 0x1B, 0xFEE00D00ULL), MSR_GP);
	assert_int_equal(msr_write(&s, &x2, 0x1B, 0xFEE00900ULL), MSR_OK);
	assert_int_equal(msr_write(&s, &x2, 0x1B, 0xFEE00D00ULL), MSR_OK);
	assert_int_equal(msr_read(&s, &x2, 0x1B, &v), MSR_OK);
	assert_int_equal(v, 0xFEE00D00ULL);
}

static void test_tsc(void **state)
{
	struct msr_state s = fresh();
	struct msr_ctx later = ctx0;
	uint64_t v = 0;
	(void)state;

	later.host_tsc += 500;
	assert_int_equal(msr_read(&s, &later, 0x10, &v), MSR_OK);
	assert_int_equal(v, 500);
	/* TSC write: TSC_ADJUST moves by the same delta (SDM §18.17.3). */
	assert_int_equal(msr_write(&s, &later, 0x10, 10500), MSR_OK);
	assert_int_equal(msr_read(&s, &later, 0x10, &v), MSR_OK);
	assert_int_equal(v, 10500);
	assert_int_equal(rd(&s, 0x3B), 10000);
	/* TSC_ADJUST write: the TSC moves by the difference. */
	assert_int_equal(msr_write(&s, &later, 0x3B, 9000), MSR_OK);
	assert_int_equal(msr_read(&s, &later, 0x10, &v), MSR_OK);
	assert_int_equal(v, 9500);
	/* Going backwards wraps in two's complement as on hardware. */
	assert_int_equal(msr_write(&s, &later, 0x10, 0), MSR_OK);
	assert_int_equal(msr_read(&s, &later, 0x10, &v), MSR_OK);
	assert_int_equal(v, 0);
	assert_int_equal(rd(&s, 0x3B), (uint64_t)9000 - 9500);
}

static void test_pat(void **state)
{
	struct msr_state s = fresh();
	(void)state;

	wr_ok(&s, 0x277, 0x0007010600070106ULL);
	wr_ok(&s, 0x277, 0x0706050401000706ULL);
	for (unsigned byte = 0; byte < 8; byte++) {
		uint64_t base = 0x0007040600070406ULL & ~(0xFFULL << (8 * byte));
		wr_gp(&s, 0x277, base | (2ULL << (8 * byte)));
		wr_gp(&s, 0x277, base | (3ULL << (8 * byte)));
		wr_gp(&s, 0x277, base | (0x8ULL << (8 * byte)));
		wr_gp(&s, 0x277, base | (0xF6ULL << (8 * byte)));
	}
}

static void test_mtrr(void **state)
{
	struct msr_state s = fresh();
	static const uint32_t fixed[] = { 0x250, 0x258, 0x259, 0x268, 0x269, 0x26A, 0x26B,
					  0x26C, 0x26D, 0x26E, 0x26F };
	(void)state;

	wr_ok(&s, 0x2FF, 0xC06);
	wr_ok(&s, 0x2FF, 0x800);
	wr_gp(&s, 0x2FF, 0x802);      /* type 2 */
	wr_gp(&s, 0x2FF, 0x807);      /* UC- is a PAT type only */
	wr_gp(&s, 0x2FF, 0x1806);     /* bit 12 */
	wr_gp(&s, 0x2FF, 0x100);      /* bit 8 */

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		uint64_t val = 0x0605040100060504ULL + i;     /* all types valid... */
		val = (val & ~0xFFULL) | 0x06;
		wr_ok(&s, fixed[i], val);
		wr_gp(&s, fixed[i], val | (0x07ULL << 56));
		wr_gp(&s, fixed[i], (val & ~(0xFFULL << 24)) | (0x03ULL << 24));
	}
	/* Distinct storage per fixed MSR. */
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		assert_int_equal(rd(&s, fixed[i]) & 0xFFFF00, (0x0605040100060504ULL + i) & 0xFFFF00);

	for (uint32_t n = 0; n < MSR_MTRR_VAR_COUNT; n++) {
		uint32_t base = 0x200 + 2 * n, mask = base + 1;
		wr_ok(&s, base, 0x80000000ULL | 6);
		wr_ok(&s, base, (1ULL << 38) | 1);
		wr_gp(&s, base, (1ULL << 39) | 6);          /* above MAXPHYADDR 39 */
		wr_gp(&s, base, 0x80000000ULL | 3);
		wr_gp(&s, base, 0x80000100ULL | 6);         /* bits 11:8 */
		wr_ok(&s, mask, 0x7F80000800ULL);
		wr_gp(&s, mask, 0x7F80000801ULL);           /* bits 10:0 */
		wr_gp(&s, mask, 0xFF80000800ULL);           /* bit 39 */
	}
}

static void test_misc_enable(void **state)
{
	struct msr_state s = fresh();
	(void)state;

	assert_int_equal(msr_write(&s, &ctx0, 0x1A0, 0), MSR_OK);
	assert_int_equal(rd(&s, 0x1A0), 0x1800);          /* read-only bits stay */
	assert_int_equal(msr_write(&s, &ctx0, 0x1A0, 0x80 | 0x1 | (1u << 23)), MSR_OK);
	assert_int_equal(rd(&s, 0x1A0), 0x1801 | (1u << 23));   /* bit 7 stays clear */
	wr_gp(&s, 0x1A0, 1ULL << 22);
	wr_gp(&s, 0x1A0, 1ULL << 34);
	wr_gp(&s, 0x1A0, 1ULL << 63);
}

static void test_plain_msrs(void **state)
{
	struct msr_state s = fresh();
	static const uint32_t addr_msrs[] = { 0x175, 0x176, 0xC0000082, 0xC0000083, 0xC0000102 };
	(void)state;

	wr_ok(&s, 0x174, 0x10);
	wr_gp(&s, 0x174, 0x10000);
	wr_ok(&s, 0xC0000081, 0xFFFFFFFFFFFFFFFFULL);   /* STAR takes anything */
	wr_ok(&s, 0xC0000084, 0xFFFFFFFFULL);
	wr_gp(&s, 0xC0000084, 1ULL << 32);
	wr_ok(&s, 0xC0000103, 0xFFFFFFFFULL);
	wr_gp(&s, 0xC0000103, 1ULL << 32);
	for (size_t i = 0; i < sizeof(addr_msrs) / sizeof(addr_msrs[0]); i++) {
		wr_ok(&s, addr_msrs[i], 0x00007FFFFFFFF000ULL + i);
		wr_ok(&s, addr_msrs[i], 0xFFFF800000000000ULL + i);
		wr_gp(&s, addr_msrs[i], 0x0000800000000000ULL);
		wr_gp(&s, addr_msrs[i], 0x8000000000000000ULL);
		wr_gp(&s, addr_msrs[i], 0xFFFF7FFFFFFFFFFFULL);
	}
	/* Each has its own storage. */
	for (size_t i = 0; i < sizeof(addr_msrs) / sizeof(addr_msrs[0]); i++)
		assert_int_equal(rd(&s, addr_msrs[i]), 0xFFFF800000000000ULL + i);
	assert_int_equal(rd(&s, 0x174), 0x10);
	assert_int_equal(rd(&s, 0xC0000081), 0xFFFFFFFFFFFFFFFFULL);
}

static void test_canonical(void **state)
{
	(void)state;
	assert_true(msr_canonical(0));
	assert_true(msr_canonical(0x00007FFFFFFFFFFFULL));
	assert_true(msr_canonical(0xFFFF800000000000ULL));
	assert_true(msr_canonical(~0ULL));
	assert_false(msr_canonical(0x0000800000000000ULL));
	assert_false(msr_canonical(0xFFFF7FFFFFFFFFFFULL));
	assert_false(msr_canonical(0x0001000000000000ULL));
	/* 57-bit canonical (5-level paging): bits 63:56 equal. */
	assert_true(msr_canonical57(0xFF4729740F600000ULL));
	assert_true(msr_canonical57(0x00FFFFFFFFFFFFFFULL));
	assert_true(msr_canonical57(0x0000800000000000ULL));
	assert_false(msr_canonical57(0x0100000000000000ULL));
	assert_false(msr_canonical57(0xFE00000000000000ULL));
	assert_false(msr_canonical(0xFF4729740F600000ULL));
	/* WRMSR of an address MSR checks at the width the context says. */
	{
		struct msr_state s = fresh();
		struct msr_ctx la57 = ctx0;

		la57.la57 = true;
		assert_int_equal(msr_write(&s, &ctx0, 0xC0000082, 0xFF4729740F600000ULL), MSR_GP);
		assert_int_equal(msr_write(&s, &la57, 0xC0000082, 0xFF4729740F600000ULL), MSR_OK);
		assert_int_equal(msr_write(&s, &la57, 0xC0000082, 0xFE00000000000000ULL), MSR_GP);
	}
}

/* A hostile MAXPHYADDR from CPUID must not widen or break the checks. */
static void test_bad_phys_bits(void **state)
{
	struct msr_state s = fresh();
	struct msr_ctx c = ctx0;
	(void)state;

	c.phys_addr_bits = 0;
	assert_int_equal(msr_write(&s, &c, 0x200, (1ULL << 36) | 6), MSR_GP);
	assert_int_equal(msr_write(&s, &c, 0x200, (1ULL << 35) | 6), MSR_OK);
	c.phys_addr_bits = 200;
	assert_int_equal(msr_write(&s, &c, 0x201, 1ULL << 63), MSR_GP);
	assert_int_equal(msr_write(&s, &c, 0x1B, (1ULL << 40) | 0xFEE00900ULL), MSR_GP);
}

/* Which MSRs live in the backend (vcpu_ops get_msr/set_msr) and which
 * follow the TSC offset: exit_cpu.c routes accesses by these. */
static void test_backend_held(void **state)
{
	static const uint32_t held[] = { 0x277, 0x174, 0x175, 0x176, 0xC0000081, 0xC0000082,
					 0xC0000083, 0xC0000084, 0xC0000102, 0xC0000103 };
	static const uint32_t not_held[] = { 0x10, 0x1B, 0x3B, 0x1A0, 0x2FF, 0x250, 0xC0000080,
					     0xC0000100, 0xC0000101, 0x177, 0xC0000085 };
	(void)state;

	for (size_t i = 0; i < sizeof(held) / sizeof(held[0]); i++) {
		assert_true(msr_backend_held(held[i]));
		/* Held MSRs are still checked here: each is in the table. */
		assert_non_null(msr_name(held[i]));
	}
	for (size_t i = 0; i < sizeof(not_held) / sizeof(not_held[0]); i++)
		assert_false(msr_backend_held(not_held[i]));
	assert_true(msr_tsc_related(0x10));
	assert_true(msr_tsc_related(0x3B));
	assert_false(msr_tsc_related(0x11));
	assert_false(msr_tsc_related(0xC0000103));
}

/* AMD SYSCFG exists for an AMD vendor only (Intel CPUs #GP, so the
 * caller's table miss gives #GP); the MTRR DRAM bits 18-22 stick, any
 * other bit (SME enable 23 included) faults. */
static void test_amd_syscfg(void **state)
{
	struct msr_state s = fresh();
	struct msr_ctx amd = ctx0;
	uint64_t v = 1;
	(void)state;

	amd.amd = true;
	assert_int_equal(msr_read(&s, &ctx0, 0xC0010010, &v), MSR_UNKNOWN);
	assert_int_equal(msr_write(&s, &ctx0, 0xC0010010, 0), MSR_UNKNOWN);
	assert_int_equal(msr_read(&s, &amd, 0xC0010010, &v), MSR_OK);
	assert_int_equal(v, 0);
	assert_int_equal(msr_write(&s, &amd, 0xC0010010, (1u << 18) | (1u << 20)), MSR_OK);
	assert_int_equal(msr_read(&s, &amd, 0xC0010010, &v), MSR_OK);
	assert_int_equal(v, (1u << 18) | (1u << 20));
	assert_int_equal(msr_write(&s, &amd, 0xC0010010, 1u << 23), MSR_GP);
	assert_int_equal(msr_write(&s, &amd, 0xC0010010, 1), MSR_GP);
	assert_int_equal(msr_write(&s, &amd, 0xC0010010, 1ull << 32), MSR_GP);
	assert_int_equal(msr_read(&s, &amd, 0xC0010010, &v), MSR_OK);
	assert_int_equal(v, (1u << 18) | (1u << 20));
	assert_string_equal(msr_name(0xC0010010), "SYSCFG");
	/* C001_0055: 0, no SMI/C1E on halt; those bits cannot be set. */
	assert_int_equal(msr_read(&s, &ctx0, 0xC0010055, &v), MSR_UNKNOWN);
	assert_int_equal(msr_read(&s, &amd, 0xC0010055, &v), MSR_OK);
	assert_int_equal(v, 0);
	assert_int_equal(msr_write(&s, &amd, 0xC0010055, 1u << 28), MSR_GP);
	assert_int_equal(msr_write(&s, &amd, 0xC0010055, 1u << 27), MSR_GP);
	assert_int_equal(msr_write(&s, &amd, 0xC0010055, 0x3), MSR_OK);
	assert_int_equal(msr_read(&s, &amd, 0xC0010055, &v), MSR_OK);
	assert_int_equal(v, 0x3);
}

/* The microcode revision MSR: Intel's signature procedure (write 0,
 * CPUID(1), read bits 63:32) sees revision 1; AMD's patch level is 1 in
 * bits 31:0 and read-only. */
static void test_ucode_rev(void **state)
{
	struct msr_state s = fresh();
	struct msr_ctx amd = ctx0;
	uint64_t v = 0;
	(void)state;

	assert_int_equal(msr_write(&s, &ctx0, 0x8B, 0), MSR_OK);
	assert_int_equal(rd(&s, 0x8B), 1ull << 32);
	amd.amd = true;
	assert_int_equal(msr_read(&s, &amd, 0x8B, &v), MSR_OK);
	assert_int_equal(v, 1);
	assert_int_equal(msr_write(&s, &amd, 0x8B, 0), MSR_GP);
}

/* kvm-clock's MSRs read back the address written; an address beyond
 * MAXPHYADDR (39 bits here) faults; reset clears them. */
static void test_kvmclock_msrs(void **state)
{
	struct msr_state s = fresh();
	(void)state;

	assert_int_equal(rd(&s, 0x4b564d01), 0);
	assert_int_equal(rd(&s, 0x4b564d00), 0);
	wr_ok(&s, 0x4b564d01, 0x1234000 | 1);
	wr_ok(&s, 0x4b564d00, 0x5678040);
	assert_int_equal(s.kvm_system_time, 0x1234001);
	assert_int_equal(s.kvm_wall_clock, 0x5678040);
	wr_gp(&s, 0x4b564d01, (1ull << 39) | 1);
	wr_gp(&s, 0x4b564d00, 1ull << 45);
	wr_ok(&s, 0x4b564d01, 0);          /* the guest turns the clock off */
	assert_int_equal(msr_read(&s, &ctx0, 0x4b564d02, &(uint64_t){ 0 }), MSR_UNKNOWN);
	assert_int_equal(msr_read(&s, &ctx0, 0x4b564cff, &(uint64_t){ 0 }), MSR_UNKNOWN);
	msr_state_reset(&s, &ctx0);
	assert_int_equal(rd(&s, 0x4b564d00), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reset_values),
		cmocka_unit_test(test_unknown_msrs),
		cmocka_unit_test(test_read_only),
		cmocka_unit_test(test_apic_base),
		cmocka_unit_test(test_apic_base_x2apic),
		cmocka_unit_test(test_tsc),
		cmocka_unit_test(test_pat),
		cmocka_unit_test(test_mtrr),
		cmocka_unit_test(test_misc_enable),
		cmocka_unit_test(test_plain_msrs),
		cmocka_unit_test(test_canonical),
		cmocka_unit_test(test_bad_phys_bits),
		cmocka_unit_test(test_backend_held),
		cmocka_unit_test(test_amd_syscfg),
		cmocka_unit_test(test_kvmclock_msrs),
		cmocka_unit_test(test_ucode_rev),
	};
	host_log_quiet(true);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
