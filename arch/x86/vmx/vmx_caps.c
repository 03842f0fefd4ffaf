/* vmx_caps.c - decode Intel's VMX capability MSRs into what plinth can use.
 * Pure (no MSR access here): the caller reads the MSRs, so host tests can
 * feed the values of real or imaginary CPUs. */
#include <x86/vmx.h>

#define IDX(msr) ((msr) - MSR_IA32_VMX_BASIC)

int vmx_adjust_controls(uint32_t want, uint32_t must, uint32_t may, uint32_t *out,
			uint32_t *missing)
{
	/* A bit may be 1 only if set in allowed-1; it must be 1 if set in
	 * allowed-0 (SDM vol. 3D §A.3.1). */
	uint32_t not_allowed = want & ~may;
	if (missing)
		*missing = not_allowed;
	*out = (want | must) & may;
	return not_allowed ? -ENOTSUP : 0;
}

int vmx_caps_decode(struct vmx_caps *caps, const uint64_t msr[VMX_CAP_MSR_COUNT],
		    const char **why)
{
	uint64_t basic = msr[IDX(MSR_IA32_VMX_BASIC)];
	*why = NULL;
	caps->revision = VMX_BASIC_REVISION(basic);
	caps->region_size = VMX_BASIC_REGION_SIZE(basic);
	caps->true_ctls = (basic & VMX_BASIC_TRUE_CTLS) != 0;
	if (caps->region_size == 0 || caps->region_size > 4096) {
		*why = "IA32_VMX_BASIC reports a VMXON/VMCS region size outside 1..4096 bytes";
		return -ENOTSUP;
	}
	/* Bit 48 set means physical addresses are limited to 32 bits, which
	 * only exists on CPUs without Intel 64 (SDM vol. 3D §A.1). */
	if (basic & BIT(48)) {
		*why = "IA32_VMX_BASIC limits VMX structures to 32-bit addresses";
		return -ENOTSUP;
	}
	if (VMX_BASIC_MEMTYPE(basic) != 6) {
		*why = "VMCS memory type is not write-back";
		return -ENOTSUP;
	}
	/* With true controls, the TRUE_* MSRs give the real allowed-0 settings
	 * for the default-1 bits (SDM vol. 3D §A.2). */
	uint64_t pin = msr[IDX(caps->true_ctls ? MSR_IA32_VMX_TRUE_PINBASED : MSR_IA32_VMX_PINBASED_CTLS)];
	uint64_t proc = msr[IDX(caps->true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED : MSR_IA32_VMX_PROCBASED_CTLS)];
	uint64_t exit = msr[IDX(caps->true_ctls ? MSR_IA32_VMX_TRUE_EXIT : MSR_IA32_VMX_EXIT_CTLS)];
	uint64_t entry = msr[IDX(caps->true_ctls ? MSR_IA32_VMX_TRUE_ENTRY : MSR_IA32_VMX_ENTRY_CTLS)];
	caps->pin_must = (uint32_t)pin;
	caps->pin_may = (uint32_t)(pin >> 32);
	caps->proc_must = (uint32_t)proc;
	caps->proc_may = (uint32_t)(proc >> 32);
	caps->exit_must = (uint32_t)exit;
	caps->exit_may = (uint32_t)(exit >> 32);
	caps->entry_must = (uint32_t)entry;
	caps->entry_may = (uint32_t)(entry >> 32);
	/* Allowed-0 must be a subset of allowed-1, or the MSRs are garbage. */
	if ((caps->pin_must & ~caps->pin_may) || (caps->proc_must & ~caps->proc_may) ||
	    (caps->exit_must & ~caps->exit_may) || (caps->entry_must & ~caps->entry_may)) {
		*why = "VMX control capability MSRs are inconsistent (a required bit is not allowed)";
		return -ENOTSUP;
	}
	caps->proc2_may = (caps->proc_may & PROC_SECONDARY)
		? (uint32_t)(msr[IDX(MSR_IA32_VMX_PROCBASED_CTLS2)] >> 32) : 0;
	caps->ept_vpid = (caps->proc2_may & (PROC2_EPT | PROC2_VPID))
		? msr[IDX(MSR_IA32_VMX_EPT_VPID_CAP)] : 0;
	caps->cr0_fixed0 = msr[IDX(MSR_IA32_VMX_CR0_FIXED0)];
	caps->cr0_fixed1 = msr[IDX(MSR_IA32_VMX_CR0_FIXED1)];
	caps->cr4_fixed0 = msr[IDX(MSR_IA32_VMX_CR4_FIXED0)];
	caps->cr4_fixed1 = msr[IDX(MSR_IA32_VMX_CR4_FIXED1)];
	caps->preempt_timer_shift = (uint8_t)(msr[IDX(MSR_IA32_VMX_MISC)] & 0x1F);
	return 0;
}

bool vmx_caps_ept_usable(const struct vmx_caps *caps)
{
	/* Plinth's EPT tables are 4-level, write-back, and invalidated with
	 * INVEPT (SDM vol. 3C §29.3.7, appendix A.10). */
	const uint64_t need = EPT_CAP_WALK4 | EPT_CAP_WB | EPT_CAP_INVEPT;
	return (caps->proc2_may & PROC2_EPT) && (caps->ept_vpid & need) == need;
}
