/* test_cpu_rules.c - the architectural rules for guest writes to CR0, CR4,
 * CR8, EFER and XCR0 (vmm/cpu_rules.c), and the XSAVE part of the guest's
 * CPUID (vmm/cpuid_policy.c): which XCR0 bits are offered, leaf 0xD sizes
 * that follow the guest's XCR0, and AVX/AVX2/AVX-512 bits that follow
 * what XCR0 may hold. Every rule is checked on its legal and its faulting
 * side. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <plinth/vcpu_ops.h>
#include <x86/cpu.h>
#include "../../vmm/cpu_rules.h"
#include "../../vmm/cpuid_policy.h"
#include "host_support.h"

#define EFER_ALL (EFER_SCE | EFER_LME | EFER_NXE)

/* Flat protected mode, paging off, CPL 0. */
static struct cpu_rules_state prot32(void)
{
	return (struct cpu_rules_state){ .cr0 = CR0_PE | CR0_ET };
}

/* 64-bit mode: PG, PAE, LME+LMA, CS.L. */
static struct cpu_rules_state long64(void)
{
	return (struct cpu_rules_state){ .cr0 = CR0_PE | CR0_ET | CR0_PG, .cr3 = 0x1000,
					 .cr4 = CR4_PAE, .efer = EFER_LME | EFER_LMA,
					 .cs_long = true };
}

static void test_cr0(void **state)
{
	struct cpu_rules_state s = prot32();

	assert_int_equal(cr0_write_check(&s, CR0_PE | CR0_ET), 0);
	assert_int_equal(cr0_write_check(&s, 0x60000010), 0);       /* CD|NW|ET, real mode */
	assert_int_equal(cr0_write_check(&s, CR0_PE | CR0_PG), 0);  /* 32-bit paging */
	assert_int_equal(cr0_write_check(&s, CR0_PG), VEC_GP);      /* PG without PE */
	assert_int_equal(cr0_write_check(&s, CR0_PE | CR0_NW), VEC_GP);
	assert_int_equal(cr0_write_check(&s, CR0_PE | (1ULL << 32)), VEC_GP);
	/* Long mode activation needs PAE. */
	s.efer = EFER_LME;
	assert_int_equal(cr0_write_check(&s, CR0_PE | CR0_PG), VEC_GP);
	s.cr4 = CR4_PAE;
	assert_int_equal(cr0_write_check(&s, CR0_PE | CR0_PG), 0);
	/* Leaving long mode: not from 64-bit code, fine from compatibility
	 * mode; other CR0 changes in 64-bit mode are fine. */
	s = long64();
	assert_int_equal(cr0_write_check(&s, CR0_PE), VEC_GP);
	assert_int_equal(cr0_write_check(&s, CR0_PE | CR0_PG | CR0_TS), 0);
	s.cs_long = false;
	assert_int_equal(cr0_write_check(&s, CR0_PE), 0);
}

static void test_cr4_cr8(void **state)
{
	struct cpu_rules_state s = prot32();
	const uint64_t sup = ~(uint64_t)(CR4_VMXE | CR4_SMXE);

	assert_int_equal(cr4_write_check(&s, CR4_PAE | CR4_OSXSAVE, sup), 0);
	assert_int_equal(cr4_write_check(&s, CR4_VMXE, sup), VEC_GP);
	assert_int_equal(cr4_write_check(&s, CR4_PSE, ~(uint64_t)CR4_PSE), VEC_GP);
	/* PCIDE only in IA-32e mode with CR3[11:0] = 0. */
	assert_int_equal(cr4_write_check(&s, CR4_PCIDE, sup), VEC_GP);
	s = long64();
	assert_int_equal(cr4_write_check(&s, CR4_PAE | CR4_PCIDE, sup), 0);
	s.cr3 = 0x1001;
	assert_int_equal(cr4_write_check(&s, CR4_PAE | CR4_PCIDE, sup), VEC_GP);
	s.cr4 |= CR4_PCIDE;             /* already set: CR3 low bits are a PCID */
	assert_int_equal(cr4_write_check(&s, CR4_PAE | CR4_PCIDE, sup), 0);
	/* Clearing PAE in long mode. */
	assert_int_equal(cr4_write_check(&s, 0, sup), VEC_GP);

	assert_int_equal(cr8_write_check(0), 0);
	assert_int_equal(cr8_write_check(15), 0);
	assert_int_equal(cr8_write_check(16), VEC_GP);
	assert_int_equal(cr8_write_check(1ULL << 63), VEC_GP);
}

static void test_efer(void **state)
{
	struct cpu_rules_state s = prot32();
	uint64_t out = 0xDEAD;

	assert_int_equal(efer_write_check(&s, EFER_LME | EFER_SCE, EFER_ALL, &out), 0);
	assert_int_equal(out, EFER_LME | EFER_SCE);
	/* LMA in the written value is ignored: the CPU's stays. */
	assert_int_equal(efer_write_check(&s, EFER_LMA, EFER_ALL, &out), 0);
	assert_int_equal(out, 0);
	/* Reserved: SVME, bits the guest's CPUID lacks, high bits. */
	out = 0xDEAD;
	assert_int_equal(efer_write_check(&s, EFER_SVME, EFER_ALL, &out), VEC_GP);
	assert_int_equal(out, 0xDEAD);
	assert_int_equal(efer_write_check(&s, EFER_NXE, EFER_SCE | EFER_LME, &out), VEC_GP);
	assert_int_equal(efer_write_check(&s, 1ULL << 40, EFER_ALL, &out), VEC_GP);
	/* Under paging LME is locked; other bits may change, LMA is kept. */
	s = long64();
	assert_int_equal(efer_write_check(&s, 0, EFER_ALL, &out), VEC_GP);
	assert_int_equal(efer_write_check(&s, EFER_LME | EFER_NXE, EFER_ALL, &out), 0);
	assert_int_equal(out, EFER_LME | EFER_NXE | EFER_LMA);
	s = prot32();
	s.cr0 |= CR0_PG;                /* 32-bit paging: LME may not be set either */
	assert_int_equal(efer_write_check(&s, EFER_LME, EFER_ALL, &out), VEC_GP);

	assert_int_equal(efer_after_cr0(EFER_LME, CR0_PE | CR0_PG), EFER_LME | EFER_LMA);
	assert_int_equal(efer_after_cr0(EFER_LME | EFER_LMA, CR0_PE), EFER_LME);
	assert_int_equal(efer_after_cr0(EFER_NXE, CR0_PE | CR0_PG), EFER_NXE);
}

static void test_xsetbv(void **state)
{
	struct cpu_rules_state s = long64();
	const uint64_t sup = XCR0_X87 | XCR0_SSE | XCR0_AVX;

	/* #UD without CR4.OSXSAVE, whatever the operands. */
	assert_int_equal(xsetbv_check(&s, 0, 1, sup), VEC_UD);
	s.cr4 |= CR4_OSXSAVE;
	assert_int_equal(xsetbv_check(&s, 0, 1, sup), 0);
	assert_int_equal(xsetbv_check(&s, 0, 3, sup), 0);
	assert_int_equal(xsetbv_check(&s, 0, 7, sup), 0);
	assert_int_equal(xsetbv_check(&s, 0, 0, sup), VEC_GP);         /* x87 clear */
	assert_int_equal(xsetbv_check(&s, 0, 5, sup), VEC_GP);         /* AVX without SSE */
	assert_int_equal(xsetbv_check(&s, 1, 1, sup), VEC_GP);         /* XCR1 */
	assert_int_equal(xsetbv_check(&s, 0, 0xE7, sup), VEC_GP);      /* not offered */
	assert_int_equal(xsetbv_check(&s, 0, 1ULL << 40 | 1, sup), VEC_GP);
	s.cpl = 3;
	assert_int_equal(xsetbv_check(&s, 0, 1, sup), VEC_GP);
	s.cpl = 0;
	/* With every component offered: MPX in pairs, AVX-512 all three and
	 * only with AVX. */
	assert_int_equal(xsetbv_check(&s, 0, 0x1B, ~0ULL), 0);
	assert_int_equal(xsetbv_check(&s, 0, 0x0B, ~0ULL), VEC_GP);
	assert_int_equal(xsetbv_check(&s, 0, 0xE7, ~0ULL), 0);
	assert_int_equal(xsetbv_check(&s, 0, 0x67, ~0ULL), VEC_GP);
	assert_int_equal(xsetbv_check(&s, 0, 0xE3, ~0ULL), VEC_GP);
}

/* The host's XSAVE components: x87, SSE, AVX, MPX, AVX-512, PKRU. */
#define HOST_XCR0 0x2FFULL

static void test_cpuid_xsave_offered(void **state)
{
	uint32_t end[CPUID_XSAVE_COMPONENTS] = { 0, 0, 832, 1024, 1088, 1152, 1664, 2688 };
	const struct cpuid_guest_ctx ctx = { .apic_id = 0, .cr4_osxsave = false };
	struct cpuid_xsave_ctx xs = { .xcr0_allowed = 7, .xcr0 = 3 };
	struct cpuid_regs r;

	assert_int_equal(cpuid_guest_xcr0_allowed(true, HOST_XCR0), 7);
	assert_int_equal(cpuid_guest_xcr0_allowed(true, 3), 3);       /* no AVX on the host */
	assert_int_equal(cpuid_guest_xcr0_allowed(false, HOST_XCR0), 0);
	assert_int_equal(cpuid_guest_xcr0_allowed(true, 1), 0);       /* broken: no SSE state */
	assert_int_equal(cpuid_xsave_size(1, end), 576);
	assert_int_equal(cpuid_xsave_size(7, end), 832);
	assert_int_equal(cpuid_xsave_size(0xE7, end), 2688);

	memcpy(xs.xsave_end, end, sizeof(end));
	/* Leaf 1: XSAVE and AVX shown, OSXSAVE follows CR4 (clear here). */
	r = (struct cpuid_regs){ 0x906E9, 0x800, (1u << 26) | (1u << 27) | (1u << 28), 0 };
	cpuid_guest_view_xs(1, 0, &ctx, &xs, &r);
	assert_true(r.ecx & (1u << 26));
	assert_true(r.ecx & (1u << 28));
	assert_false(r.ecx & (1u << 27));
	/* Leaf 0xD.0: the allowed components, sizes for the guest's XCR0 and
	 * for all of them. */
	r = (struct cpuid_regs){ (uint32_t)HOST_XCR0, 2696, 2696, 0 };
	cpuid_guest_view_xs(0xD, 0, &ctx, &xs, &r);
	assert_int_equal(r.eax, 7);
	assert_int_equal(r.edx, 0);
	assert_int_equal(r.ebx, 576);
	assert_int_equal(r.ecx, 832);
	xs.xcr0 = 7;
	cpuid_guest_view_xs(0xD, 0, &ctx, &xs, &r);
	assert_int_equal(r.ebx, 832);
	/* 0xD.1: XSAVEOPT/XSAVEC/XGETBV1 kept, XSAVES and XFD hidden, no XSS. */
	r = (struct cpuid_regs){ 0x1F, 1000, 0x100, 0x1 };
	cpuid_guest_view_xs(0xD, 1, &ctx, &xs, &r);
	assert_int_equal(r.eax, 0x7);
	assert_int_equal(r.ebx, 832);
	assert_int_equal(r.ecx | r.edx, 0);
	/* 0xD.2 (AVX) passes, 0xD.5 (opmask, not allowed) reads 0. */
	r = (struct cpuid_regs){ 256, 576, 0, 0 };
	cpuid_guest_view_xs(0xD, 2, &ctx, &xs, &r);
	assert_int_equal(r.eax, 256);
	assert_int_equal(r.ebx, 576);
	r = (struct cpuid_regs){ 64, 1088, 0, 0 };
	cpuid_guest_view_xs(0xD, 5, &ctx, &xs, &r);
	assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
	r = (struct cpuid_regs){ 1, 2, 3, 4 };
	cpuid_guest_view_xs(0xD, 200, &ctx, &xs, &r);
	assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
	/* Leaf 7: AVX2 shown with AVX state; AVX-512, MPX, PKU, AMX hidden. */
	r = (struct cpuid_regs){ 0, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF };
	cpuid_guest_view_xs(7, 0, &ctx, &xs, &r);
	assert_true(r.ebx & (1u << 5));
	assert_false(r.ebx & (1u << 16));
	assert_false(r.ebx & (1u << 31));
	assert_false(r.ebx & (1u << 14));
	assert_false(r.ecx & (1u << 3));
	assert_false(r.ecx & (1u << 1));
	assert_false(r.edx & (1u << 24));
	assert_true(r.ebx & 1);                    /* FSGSBASE passed through */
}

static void test_cpuid_xsave_hidden(void **state)
{
	/* Without XSAVE state to offer, nothing that needs it shows. */
	const struct cpuid_guest_ctx ctx = { .apic_id = 0, .cr4_osxsave = false };
	struct cpuid_xsave_ctx xs = { .xcr0_allowed = 0, .xcr0 = 1 };
	struct cpuid_regs r = { 0, 0, (1u << 26) | (1u << 28), 0 };

	cpuid_guest_view_xs(1, 0, &ctx, &xs, &r);
	assert_false(r.ecx & (1u << 26));
	assert_false(r.ecx & (1u << 28));
	r = (struct cpuid_regs){ 0, 1u << 5, 0, 0 };
	cpuid_guest_view_xs(7, 0, &ctx, &xs, &r);
	assert_false(r.ebx & (1u << 5));
	r = (struct cpuid_regs){ 0, 1u << 5, 0, 0 };
	cpuid_guest_view_xs(7, 0, &ctx, NULL, &r);   /* NULL: hidden too */
	assert_false(r.ebx & (1u << 5));
	r = (struct cpuid_regs){ 7, 832, 832, 0 };
	cpuid_guest_view_xs(0xD, 0, &ctx, &xs, &r);
	assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
	/* x87|SSE only: XSAVE shown, AVX and AVX2 not. */
	xs.xcr0_allowed = 3;
	r = (struct cpuid_regs){ 0, 0, (1u << 26) | (1u << 28), 0 };
	cpuid_guest_view_xs(1, 0, &ctx, &xs, &r);
	assert_true(r.ecx & (1u << 26));
	assert_false(r.ecx & (1u << 28));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cr0),
		cmocka_unit_test(test_cr4_cr8),
		cmocka_unit_test(test_efer),
		cmocka_unit_test(test_xsetbv),
		cmocka_unit_test(test_cpuid_xsave_offered),
		cmocka_unit_test(test_cpuid_xsave_hidden),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
