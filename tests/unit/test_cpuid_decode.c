/* test_cpuid_decode.c - the CPUID decoder (arch/x86/cpuid_decode.c):
 * Intel and AMD signatures, leaves beyond the reported maximum ignored
 * (garbage there must not turn features on), AVX/EPT/NPT dependencies,
 * brand string trimming and sanitising, the boot log line, and the CR4 /
 * XCR0 values derived from the features. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <x86/cpu.h>
#include <x86/cpu_features.h>
#include "host_support.h"

/* Pack a 12-character vendor string the way CPUID.0 returns it (EBX, EDX, ECX). */
static void set_vendor(struct cpuid_raw *r, const char *v)
{
	memcpy(&r->vendor[0], v, 4);
	memcpy(&r->vendor[1], v + 4, 4);
	memcpy(&r->vendor[2], v + 8, 4);
}

static void set_brand(struct cpuid_raw *r, const char *b)
{
	char buf[48] = { 0 };
	memcpy(buf, b, strnlen(b, 48));
	memcpy(r->brand, buf, 48);
}

/* A Skylake-SP-like Intel CPU with everything plinth looks for. */
static struct cpuid_raw intel_full(void)
{
	struct cpuid_raw r = { 0 };
	r.max_leaf = 0x16;
	set_vendor(&r, "GenuineIntel");
	r.l1_eax = 0x00050654;   /* family 6, ext model 5, model 5, stepping 4 */
	r.l1_ecx = (uint32_t)(CPUID1_ECX_VMX | CPUID1_ECX_X2APIC | CPUID1_ECX_TSC_DEADLINE |
			      CPUID1_ECX_XSAVE | CPUID1_ECX_AVX);
	r.l1_edx = (uint32_t)(CPUID1_EDX_MCE | CPUID1_EDX_PGE | CPUID1_EDX_MCA |
			      CPUID1_EDX_FXSR | CPUID1_EDX_SSE);
	r.l7_ebx = (uint32_t)(CPUID7_EBX_SMEP | CPUID7_EBX_SMAP);
	r.l7_ecx = (uint32_t)CPUID7_ECX_UMIP;
	r.ld_eax = 0x7;          /* x87 | SSE | AVX */
	r.max_ext = 0x80000008;
	r.e1_edx = (uint32_t)(CPUIDE1_EDX_NX | CPUIDE1_EDX_1GB);
	set_brand(&r, "       Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz");
	r.e7_edx = (uint32_t)CPUIDE7_EDX_INVTSC;
	r.vmx_procbased = VMX_PROCBASED_ALLOW_SECONDARY;
	r.vmx_procbased2 = VMX_PROCBASED2_ALLOW_EPT;
	return r;
}

static void test_intel_full(void **state)
{
	(void)state;
	struct cpuid_raw r = intel_full();
	struct cpu_features f;
	cpu_features_decode(&r, &f);
	assert_string_equal(f.vendor, "GenuineIntel");
	assert_string_equal(f.brand, "Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz");
	assert_int_equal(f.family, 6);
	assert_int_equal(f.model, 0x55);
	assert_int_equal(f.stepping, 4);
	assert_true(f.vmx && f.ept && f.x2apic && f.tsc_deadline && f.xsave && f.avx);
	assert_true(f.smep && f.smap && f.umip && f.nx && f.gbpages && f.invariant_tsc);
	assert_true(f.pge && f.fxsr && f.sse && f.mce && f.mca);
	assert_false(f.svm);
	assert_false(f.npt);
	assert_int_equal(f.xcr0_supported, 0x7);

	char line[320];
	size_t n = cpu_features_format(line, sizeof(line), &f);
	assert_string_equal(line, "GenuineIntel Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz, family 6 "
			    "model 85 stepping 4, features: vmx ept smep smap umip x2apic xsave "
			    "avx 1gpages nx tsc-deadline invariant-tsc");
	assert_int_equal(n, strlen(line));
}

static void test_amd_family_17h_svm_npt(void **state)
{
	(void)state;
	struct cpuid_raw r = { 0 };
	r.max_leaf = 0xD;
	set_vendor(&r, "AuthenticAMD");
	r.l1_eax = 0x00800F12;   /* base family F + ext family 8 = 0x17, model 1, stepping 2 */
	r.l1_edx = (uint32_t)(CPUID1_EDX_PGE | CPUID1_EDX_FXSR | CPUID1_EDX_SSE);
	r.max_ext = 0x8000001F;
	r.e1_ecx = (uint32_t)CPUIDE1_ECX_SVM;
	r.e1_edx = (uint32_t)CPUIDE1_EDX_NX;
	r.ea_edx = (uint32_t)CPUIDEA_EDX_NPT;
	/* VMX MSR values on an AMD CPU are meaningless: must not give "ept". */
	r.vmx_procbased = ~0ULL;
	r.vmx_procbased2 = ~0ULL;
	struct cpu_features f;
	cpu_features_decode(&r, &f);
	assert_int_equal(f.family, 0x17);
	assert_int_equal(f.model, 1);
	assert_int_equal(f.stepping, 2);
	assert_true(f.svm && f.npt && f.nx);
	assert_false(f.vmx || f.ept);
	assert_string_equal(f.brand, "");
	char line[200];
	cpu_features_format(line, sizeof(line), &f);
	assert_string_equal(line, "AuthenticAMD, family 23 model 1 stepping 2, features: svm npt nx");
}

static void test_extended_model_only_for_family_6_and_15(void **state)
{
	(void)state;
	struct cpuid_raw r = { 0 };
	r.max_leaf = 1;
	/* Family 5: the extended model and family fields are ignored. */
	r.l1_eax = (0xF << 16) | (0xFF << 20) | (5 << 8) | (3 << 4) | 1;
	struct cpu_features f;
	cpu_features_decode(&r, &f);
	assert_int_equal(f.family, 5);
	assert_int_equal(f.model, 3);
	assert_int_equal(f.stepping, 1);
	r.l1_eax = (0xF << 16) | (0x02 << 20) | (0xF << 8) | (3 << 4) | 1;
	cpu_features_decode(&r, &f);
	assert_int_equal(f.family, 0xF + 2);
	assert_int_equal(f.model, 0xF3);
}

/* Leaves past CPUID.0:EAX or 80000000h:EAX return other leaves' data on
 * real CPUs; the caller may hand them over; the decoder must ignore them. */
static void test_leaves_beyond_max_ignored(void **state)
{
	(void)state;
	struct cpuid_raw r = intel_full();
	r.max_leaf = 6;              /* no leaf 7 or 0xD */
	r.max_ext = 0x00000006;      /* not an extended-leaf maximum: none exist */
	struct cpu_features f;
	cpu_features_decode(&r, &f);
	assert_false(f.smep || f.smap || f.umip);
	assert_int_equal(f.xcr0_supported, 0);
	assert_false(f.avx);          /* no XCR0 AVX support known: AVX unusable */
	assert_false(f.nx || f.gbpages || f.invariant_tsc || f.svm);
	assert_string_equal(f.brand, "");
	assert_true(f.vmx && f.ept);  /* leaf 1 and the MSRs are still valid */

	r = intel_full();
	r.max_leaf = 0;               /* not even leaf 1 */
	cpu_features_decode(&r, &f);
	assert_false(f.vmx || f.ept || f.x2apic || f.pge || f.xsave);
	assert_int_equal(f.family, 0);

	r = intel_full();
	r.max_ext = 0x80000001;       /* NX yes, brand string no */
	cpu_features_decode(&r, &f);
	assert_true(f.nx);
	assert_string_equal(f.brand, "");
	assert_false(f.invariant_tsc);
}

static void test_feature_dependencies(void **state)
{
	(void)state;
	struct cpuid_raw r = intel_full();
	struct cpu_features f;

	r.l1_ecx &= ~(uint32_t)CPUID1_ECX_XSAVE;   /* AVX without XSAVE: unusable */
	cpu_features_decode(&r, &f);
	assert_false(f.avx);
	assert_false(f.xsave);
	assert_int_equal(f.xcr0_supported, 0);

	r = intel_full();
	r.ld_eax = 0x3;                            /* XCR0 cannot enable AVX state */
	cpu_features_decode(&r, &f);
	assert_false(f.avx);

	r = intel_full();
	r.vmx_procbased = 0;                       /* EPT bit set but secondary controls off */
	cpu_features_decode(&r, &f);
	assert_true(f.vmx);
	assert_false(f.ept);

	r = intel_full();
	r.l1_ecx &= ~(uint32_t)CPUID1_ECX_VMX;     /* MSR values without VMX mean nothing */
	cpu_features_decode(&r, &f);
	assert_false(f.vmx || f.ept);

	struct cpuid_raw a = { 0 };
	a.max_ext = 0x80000008;
	a.ea_edx = (uint32_t)CPUIDEA_EDX_NPT;      /* NPT bit without SVM */
	cpu_features_decode(&a, &f);
	assert_false(f.npt);
}

static void test_hostile_strings_sanitised(void **state)
{
	(void)state;
	struct cpuid_raw r = intel_full();
	memcpy(&r.vendor[0], "Ev\x01l", 4);
	set_brand(&r, "   bad\x1b[2Jbrand\x7f  ");
	struct cpu_features f;
	cpu_features_decode(&r, &f);
	assert_string_equal(f.vendor, "Ev?lineIntel");
	assert_string_equal(f.brand, "bad?[2Jbrand?");

	/* A brand string filling all 48 bytes, no NUL: kept whole, terminated. */
	char full[49];
	memset(full, 'x', 48);
	full[48] = 0;
	set_brand(&r, full);
	cpu_features_decode(&r, &f);
	assert_int_equal(strlen(f.brand), 48);

	/* All blanks: empty brand, and the line has no stray space. */
	r = intel_full();
	set_brand(&r, "                                               ");
	cpu_features_decode(&r, &f);
	assert_string_equal(f.brand, "");
	char line[320];
	cpu_features_format(line, sizeof(line), &f);
	assert_memory_equal(line, "GenuineIntel, family 6", 22);
}

static void test_format_truncates_safely(void **state)
{
	(void)state;
	struct cpuid_raw r = intel_full();
	struct cpu_features f;
	cpu_features_decode(&r, &f);
	char full[320];
	size_t n_full = cpu_features_format(full, sizeof(full), &f);
	for (size_t size = 1; size < n_full + 2; size++) {
		char *buf = malloc(size);   /* exact size: ASan catches any overrun */
		size_t n = cpu_features_format(buf, size, &f);
		assert_true(n < size);
		assert_int_equal(strlen(buf), n);
		assert_memory_equal(buf, full, n);
		free(buf);
	}
	assert_int_equal(cpu_features_format(full, 0, &f), 0);

	struct cpu_features none;
	memset(&none, 0, sizeof(none));
	cpu_features_format(full, sizeof(full), &none);
	assert_string_equal(full, "unknown-vendor, family 0 model 0 stepping 0, features: none");
}

static void test_cr4_bits(void **state)
{
	(void)state;
	struct cpuid_raw r = intel_full();
	struct cpu_features f;
	cpu_features_decode(&r, &f);
	uint64_t all = CR4_MCE | CR4_PGE | CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_OSXSAVE;
	assert_int_equal(cpu_features_cr4_bits(&f, true), all | CR4_SMEP | CR4_SMAP | CR4_UMIP);
	assert_int_equal(cpu_features_cr4_bits(&f, false), all);   /* smep=off */

	f.smap = false;
	f.umip = false;
	assert_int_equal(cpu_features_cr4_bits(&f, true), all | CR4_SMEP);

	struct cpu_features none;
	memset(&none, 0, sizeof(none));
	assert_int_equal(cpu_features_cr4_bits(&none, true), 0);
	none.fxsr = true;   /* FXSR without SSE: no OSFXSR */
	assert_int_equal(cpu_features_cr4_bits(&none, true), 0);
}

static void test_xcr0(void **state)
{
	(void)state;
	struct cpu_features f;
	memset(&f, 0, sizeof(f));
	f.xcr0_supported = 0x2FF;   /* many components: only x87/SSE/AVX enabled */
	assert_int_equal(cpu_features_xcr0(&f), XCR0_X87 | XCR0_SSE | XCR0_AVX);
	f.xcr0_supported = 0x3;
	assert_int_equal(cpu_features_xcr0(&f), XCR0_X87 | XCR0_SSE);
	f.xcr0_supported = 0x5;     /* AVX without SSE is not a legal XCR0 */
	assert_int_equal(cpu_features_xcr0(&f), XCR0_X87);
	f.xcr0_supported = 0;
	assert_int_equal(cpu_features_xcr0(&f), XCR0_X87);   /* bit 0 must always be 1 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_intel_full),
		cmocka_unit_test(test_amd_family_17h_svm_npt),
		cmocka_unit_test(test_extended_model_only_for_family_6_and_15),
		cmocka_unit_test(test_leaves_beyond_max_ignored),
		cmocka_unit_test(test_feature_dependencies),
		cmocka_unit_test(test_hostile_strings_sanitised),
		cmocka_unit_test(test_format_truncates_safely),
		cmocka_unit_test(test_cr4_bits),
		cmocka_unit_test(test_xcr0),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
