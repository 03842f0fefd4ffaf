/* Host tests for VMX capability decoding and SVM feature decoding. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include <plinth/virt.h>
#include <x86/vmx.h>
#include <x86/svm.h>

#define I(m) ((m) - MSR_IA32_VMX_BASIC)

/* A plausible Skylake-like CPU: true controls, EPT with 2M/1G/AD, VPID,
 * unrestricted guest, preemption timer (rate 5). */
static void skylake_like(uint64_t msr[VMX_CAP_MSR_COUNT])
{
	memset(msr, 0, VMX_CAP_MSR_COUNT * sizeof(msr[0]));
	msr[I(MSR_IA32_VMX_BASIC)] = 0x00DA040000000004ULL;   /* rev 4, 1024 B, WB, true ctls */
	msr[I(MSR_IA32_VMX_PINBASED_CTLS)] = 0x0000007F00000016ULL;
	msr[I(MSR_IA32_VMX_PROCBASED_CTLS)] = 0xFFF9FFFE0401E172ULL;
	msr[I(MSR_IA32_VMX_EXIT_CTLS)] = 0x01FFFFFF00036DFFULL;
	msr[I(MSR_IA32_VMX_ENTRY_CTLS)] = 0x0003FFFF000011FFULL;
	msr[I(MSR_IA32_VMX_MISC)] = 0x00000000000401E5ULL;
	msr[I(MSR_IA32_VMX_CR0_FIXED0)] = 0x80000021ULL;
	msr[I(MSR_IA32_VMX_CR0_FIXED1)] = 0xFFFFFFFFULL;
	msr[I(MSR_IA32_VMX_CR4_FIXED0)] = 0x2000ULL;
	msr[I(MSR_IA32_VMX_CR4_FIXED1)] = 0x3727FFULL;
	msr[I(MSR_IA32_VMX_PROCBASED_CTLS2)] = 0x000003FF00000000ULL;
	msr[I(MSR_IA32_VMX_EPT_VPID_CAP)] = 0x00000F0106734141ULL;
	msr[I(MSR_IA32_VMX_TRUE_PINBASED)] = 0x0000007F00000016ULL;
	msr[I(MSR_IA32_VMX_TRUE_PROCBASED)] = 0xFFF9FFFE04006172ULL;
	msr[I(MSR_IA32_VMX_TRUE_EXIT)] = 0x01FFFFFF00036DFBULL;
	msr[I(MSR_IA32_VMX_TRUE_ENTRY)] = 0x0003FFFF000011FBULL;
}

static void test_vmx_decode_good(void **state)
{
	(void)state;
	uint64_t msr[VMX_CAP_MSR_COUNT];
	struct vmx_caps caps;
	const char *why = "unset";
	skylake_like(msr);
	assert_int_equal(vmx_caps_decode(&caps, msr, &why), 0);
	assert_null(why);
	assert_int_equal(caps.revision, 4);
	assert_int_equal(caps.region_size, 1024);
	assert_true(caps.true_ctls);
	/* true controls are used: allowed-0 from the TRUE MSR */
	assert_int_equal(caps.proc_must, 0x04006172u);
	assert_int_equal(caps.preempt_timer_shift, 5);
	assert_true(vmx_caps_ept_usable(&caps));
	assert_true(caps.ept_vpid & EPT_CAP_1G);
	assert_true(caps.proc2_may & PROC2_UNRESTRICTED);
}

static void test_vmx_decode_rejects_bad_basic(void **state)
{
	(void)state;
	uint64_t msr[VMX_CAP_MSR_COUNT];
	struct vmx_caps caps;
	const char *why;
	skylake_like(msr);
	msr[I(MSR_IA32_VMX_BASIC)] &= ~(0xFULL << 50);      /* memory type UC */
	assert_int_equal(vmx_caps_decode(&caps, msr, &why), -ENOTSUP);
	assert_non_null(why);
	skylake_like(msr);
	msr[I(MSR_IA32_VMX_BASIC)] |= 0x1FFFULL << 32;       /* region size 8191 */
	assert_int_equal(vmx_caps_decode(&caps, msr, &why), -ENOTSUP);
	skylake_like(msr);
	msr[I(MSR_IA32_VMX_BASIC)] |= 1ULL << 48;            /* 32-bit addresses only */
	assert_int_equal(vmx_caps_decode(&caps, msr, &why), -ENOTSUP);
}

static void test_vmx_decode_rejects_inconsistent(void **state)
{
	(void)state;
	uint64_t msr[VMX_CAP_MSR_COUNT];
	struct vmx_caps caps;
	const char *why;
	skylake_like(msr);
	/* a must-be-1 bit that is not allowed to be 1 */
	msr[I(MSR_IA32_VMX_TRUE_PINBASED)] = 0x0000000600000016ULL;
	assert_int_equal(vmx_caps_decode(&caps, msr, &why), -ENOTSUP);
	assert_non_null(strstr(why, "inconsistent"));
}

static void test_vmx_no_ept(void **state)
{
	(void)state;
	uint64_t msr[VMX_CAP_MSR_COUNT];
	struct vmx_caps caps;
	const char *why;
	skylake_like(msr);
	/* Core 2 style: no secondary controls at all */
	msr[I(MSR_IA32_VMX_PROCBASED_CTLS)] &= ~(1ULL << 63);
	msr[I(MSR_IA32_VMX_TRUE_PROCBASED)] &= ~(1ULL << 63);
	assert_int_equal(vmx_caps_decode(&caps, msr, &why), 0);
	assert_int_equal(caps.proc2_may, 0);
	assert_false(vmx_caps_ept_usable(&caps));
	/* EPT without WB paging structures is not usable either */
	skylake_like(msr);
	msr[I(MSR_IA32_VMX_EPT_VPID_CAP)] &= ~EPT_CAP_WB;
	assert_int_equal(vmx_caps_decode(&caps, msr, &why), 0);
	assert_false(vmx_caps_ept_usable(&caps));
}

static void test_vmx_adjust_controls(void **state)
{
	(void)state;
	uint32_t out, missing;
	/* must = 0x16, may = 0x7F: wanting bit 0 gives 0x17 */
	assert_int_equal(vmx_adjust_controls(0x1, 0x16, 0x7F, &out, &missing), 0);
	assert_int_equal(out, 0x17);
	assert_int_equal(missing, 0);
	/* wanting bit 7 (not allowed) fails and names it */
	assert_int_equal(vmx_adjust_controls(0x81, 0x16, 0x7F, &out, &missing), -ENOTSUP);
	assert_int_equal(missing, 0x80);
}

static void test_svm_features(void **state)
{
	(void)state;
	/* QEMU TCG with +npt: NP only, no NRIPS (platform.md) */
	uint64_t f = svm_features_from_cpuid(SVM_CPUID_NP);
	assert_true(f & VIRT_F_SLAT);
	assert_false(f & VIRT_F_NRIP);
	assert_false(f & VIRT_F_VMCB_CLEAN);
	/* plain +svm: no nested paging */
	f = svm_features_from_cpuid(0);
	assert_false(f & VIRT_F_SLAT);
	f = svm_features_from_cpuid(SVM_CPUID_NP | SVM_CPUID_NRIPS | SVM_CPUID_VMCB_CLEAN |
				    SVM_CPUID_DECODE | SVM_CPUID_FLUSH_ASID);
	assert_true(f & VIRT_F_NRIP);
	assert_true(f & VIRT_F_VMCB_CLEAN);
	assert_true(f & VIRT_F_DECODE_ASSIST);
	assert_true(f & VIRT_F_FLUSH_BY_ASID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vmx_decode_good),
		cmocka_unit_test(test_vmx_decode_rejects_bad_basic),
		cmocka_unit_test(test_vmx_decode_rejects_inconsistent),
		cmocka_unit_test(test_vmx_no_ept),
		cmocka_unit_test(test_vmx_adjust_controls),
		cmocka_unit_test(test_svm_features),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
