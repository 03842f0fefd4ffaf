/* vmx_cpu.c - find Intel VMX, decide whether plinth can use it, and switch
 * each CPU into VMX root operation (Intel SDM vol. 3C §24.6-§24.8). */
#include <plinth/log.h>
#include <plinth/mm.h>
#include <plinth/string.h>
#include <plinth/virt.h>
#include <x86/cpu.h>
#include <x86/percpu.h>
#include <x86/vmx.h>
#include "vmx_internal.h"

struct vmx_caps vmx_caps;

static void read_cap_msrs(uint64_t msr[VMX_CAP_MSR_COUNT])
{
	uint64_t basic = rdmsr(MSR_IA32_VMX_BASIC);
	uint64_t proc = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS);
	memset(msr, 0, VMX_CAP_MSR_COUNT * sizeof(msr[0]));
	/* Only read MSRs the CPU says exist: reading one that doesn't raises #GP
	 * (SDM vol. 3D appendix A: 0x48B exists only with secondary controls,
	 * 0x48C only with EPT or VPID, 0x48D-0x490 only with true controls). */
	for (uint32_t m = MSR_IA32_VMX_BASIC; m <= MSR_IA32_VMX_CR4_FIXED1; m++)
		msr[m - MSR_IA32_VMX_BASIC] = rdmsr(m);
	if ((proc >> 32) & PROC_SECONDARY) {
		uint64_t proc2 = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2);
		msr[MSR_IA32_VMX_PROCBASED_CTLS2 - MSR_IA32_VMX_BASIC] = proc2;
		if ((proc2 >> 32) & (PROC2_EPT | PROC2_VPID))
			msr[MSR_IA32_VMX_EPT_VPID_CAP - MSR_IA32_VMX_BASIC] = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
	}
	if (basic & VMX_BASIC_TRUE_CTLS)
		for (uint32_t m = MSR_IA32_VMX_TRUE_PINBASED; m <= MSR_IA32_VMX_TRUE_ENTRY; m++)
			msr[m - MSR_IA32_VMX_BASIC] = rdmsr(m);
}

/* IA32_FEATURE_CONTROL gates VMXON (SDM vol. 3C §24.7): if the firmware left
 * it unlocked we enable VMX outside SMX and lock it; if it is locked without
 * that bit, VMX is off until the firmware setting is changed. */
static bool feature_control_allows_vmx(void)
{
	uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	if (!(fc & FEATURE_CONTROL_LOCK)) {
		fc |= FEATURE_CONTROL_VMX_OUTSIDE | FEATURE_CONTROL_LOCK;
		wrmsr(MSR_IA32_FEATURE_CONTROL, fc);
		fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	}
	return (fc & FEATURE_CONTROL_LOCK) && (fc & FEATURE_CONTROL_VMX_OUTSIDE);
}

bool vmx_detect(void)
{
	uint32_t a, b, c, d;
	const char *why;
	uint64_t msr[VMX_CAP_MSR_COUNT];

	cpuid(1, &a, &b, &c, &d);
	if (!(c & BIT(5)))    /* CPUID.1:ECX.VMX[bit 5] */
		return false;
	virt.vendor = VIRT_NONE;
	if (!feature_control_allows_vmx()) {
		str_copy(virt.why_none, "VMX is disabled by the firmware (IA32_FEATURE_CONTROL locked "
			 "without VMX); enable VT-x in the firmware setup", sizeof(virt.why_none));
		return true;
	}
	read_cap_msrs(msr);
	if (vmx_caps_decode(&vmx_caps, msr, &why)) {
		str_copy(virt.why_none, why, sizeof(virt.why_none));
		return true;
	}
	uint64_t f = 0;
	if (vmx_caps_ept_usable(&vmx_caps)) {
		f |= VIRT_F_SLAT;
		if (vmx_caps.ept_vpid & EPT_CAP_2M) f |= VIRT_F_SLAT_2M;
		if (vmx_caps.ept_vpid & EPT_CAP_1G) f |= VIRT_F_SLAT_1G;
		if (vmx_caps.ept_vpid & EPT_CAP_AD) f |= VIRT_F_SLAT_AD;
		if (vmx_caps.ept_vpid & EPT_CAP_INVEPT_SINGLE) f |= VIRT_F_INVEPT_SINGLE;
	}
	if ((vmx_caps.proc2_may & PROC2_VPID) && (vmx_caps.ept_vpid & VPID_CAP_INVVPID)) {
		f |= VIRT_F_TAGGED_TLB | VIRT_F_INVVPID;
		virt.asid_count = 65535;
	}
	if (vmx_caps.proc2_may & PROC2_UNRESTRICTED) f |= VIRT_F_UNRESTRICTED;
	if (vmx_caps.pin_may & PIN_PREEMPT_TIMER) f |= VIRT_F_PREEMPT_TIMER;
	if ((vmx_caps.proc2_may & (PROC2_VIRT_APIC_ACCESS | PROC2_APIC_REG_VIRT | PROC2_VIRT_INTR_DELIV)) ==
	    (PROC2_VIRT_APIC_ACCESS | PROC2_APIC_REG_VIRT | PROC2_VIRT_INTR_DELIV))
		f |= VIRT_F_APIC_VIRT;
	if (vmx_caps.pin_may & PIN_POSTED_INTR) f |= VIRT_F_POSTED_INTR;
	if (vmx_caps.proc2_may & PROC2_TSC_SCALING) f |= VIRT_F_TSC_SCALING;
	f |= VIRT_F_NRIP;   /* VMX always reports the exit instruction length */
	virt.features = f;
	virt.preempt_timer_shift = vmx_caps.preempt_timer_shift;
	if (!(f & VIRT_F_SLAT)) {
		str_copy(virt.why_none, "VMX without usable EPT: plinth's shadow paging is not "
			 "available yet", sizeof(virt.why_none));
		return true;
	}
	virt.vendor = VIRT_VMX;
	return true;
}

int vmx_cpu_enable(void)
{
	struct percpu *pc = this_cpu();
	struct vmx_cpu *vc = kzalloc(sizeof(*vc));
	if (!vc)
		return -ENOMEM;
	/* Each CPU checks its own feature-control MSR: firmware sets it per
	 * package/core and a CPU that was left unlocked needs locking too. */
	if (!feature_control_allows_vmx()) {
		kfree(vc);
		return -EPERM;
	}
	vc->vmxon_region = page_alloc_zeroed(0);
	if (!vc->vmxon_region) {
		kfree(vc);
		return -ENOMEM;
	}
	/* The VMXON region starts with the VMCS revision identifier, bit 31
	 * clear (SDM vol. 3C §25.11.5). */
	*(uint32_t *)phys_to_virt(vc->vmxon_region) = vmx_caps.revision;

	/* CR0 and CR4 must respect the fixed bits in VMX operation (SDM vol. 3D
	 * §A.7, §A.8): bits set in FIXED0 must be 1, bits clear in FIXED1 must be 0. */
	uint64_t cr0 = (read_cr0() | vmx_caps.cr0_fixed0) & vmx_caps.cr0_fixed1;
	uint64_t cr4 = (read_cr4() | CR4_VMXE | vmx_caps.cr4_fixed0) & vmx_caps.cr4_fixed1;
	write_cr0(cr0);
	write_cr4(cr4);
	if (vmx_on(vc->vmxon_region)) {
		write_cr4(read_cr4() & ~CR4_VMXE);
		page_free(vc->vmxon_region, 0);
		kfree(vc);
		return -EIO;
	}
	vc->in_root_operation = true;
	pc->vmm = vc;
	return 0;
}
