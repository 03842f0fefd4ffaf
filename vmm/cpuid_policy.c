/* cpuid_policy.c - the guest's CPUID (see cpuid_policy.h). Bit positions
 * from Intel SDM vol. 2A, CPUID instruction, Tables 3-8 and 3-10; the
 * hypervisor range convention from the Linux/KVM/Xen/Hyper-V practice of
 * leaf 0x40000000 giving the highest hypervisor leaf and a signature. */
#include "cpuid_policy.h"

/* Leaf 1 ECX. */
#define L1_ECX_MONITOR   (1u << 3)    /* MONITOR/MWAIT exit and inject #UD */
#define L1_ECX_VMX       (1u << 5)    /* no nested virtualization */
#define L1_ECX_SMX       (1u << 6)
#define L1_ECX_X2APIC    (1u << 21)   /* no virtual local APIC yet */
#define L1_ECX_TSC_DL    (1u << 24)
#define L1_ECX_XSAVE     (1u << 26)   /* XSETBV is not virtualised yet */
#define L1_ECX_OSXSAVE   (1u << 27)
#define L1_ECX_AVX       (1u << 28)   /* needs XSAVE-enabled state */
#define L1_ECX_HV        (1u << 31)   /* "a hypervisor is present" */
/* Leaf 1 EDX. */
#define L1_EDX_APIC      (1u << 9)    /* no virtual local APIC yet */
/* Leaf 7.0 EBX/ECX features that depend on XSAVE state or on exits plinth
 * does not handle. */
#define L7_EBX_AVX2      (1u << 5)
#define L7_EBX_AVX512F   (1u << 16)
#define L7_EBX_SGX       (1u << 2)
#define L7_ECX_WAITPKG   (1u << 5)    /* UMWAIT/TPAUSE would idle the physical CPU */
#define L7_ECX_SGX_LC    (1u << 30)

bool cpuid_leaf_is_hypervisor(uint32_t leaf)
{
	return (leaf & 0xF0000000u) == CPUID_HV_BASE;
}

void cpuid_guest_view(uint32_t leaf, uint32_t subleaf, const struct cpuid_guest_ctx *ctx,
		      struct cpuid_regs *r)
{
	if (cpuid_leaf_is_hypervisor(leaf)) {
		if (leaf == CPUID_HV_BASE) {
			r->eax = CPUID_HV_MAX_LEAF;
			r->ebx = CPUID_HV_SIG_EBX;
			r->ecx = CPUID_HV_SIG_ECX;
			r->edx = CPUID_HV_SIG_EDX;
		} else {
			/* Leaves plinth does not define read as zero. */
			r->eax = r->ebx = r->ecx = r->edx = 0;
		}
		return;
	}
	switch (leaf) {
	case 1:
		r->ecx &= ~(L1_ECX_MONITOR | L1_ECX_VMX | L1_ECX_SMX | L1_ECX_X2APIC |
			    L1_ECX_TSC_DL | L1_ECX_XSAVE | L1_ECX_OSXSAVE | L1_ECX_AVX);
		r->ecx |= L1_ECX_HV;
		/* OSXSAVE mirrors CR4.OSXSAVE; with XSAVE hidden the guest
		 * cannot set it, but keep the rule in one place. */
		if (ctx->cr4_osxsave)
			r->ecx |= L1_ECX_OSXSAVE;
		r->edx &= ~L1_EDX_APIC;
		/* EBX[31:24]: initial APIC ID of this vCPU. */
		r->ebx = (r->ebx & 0x00FFFFFFu) | (ctx->apic_id << 24);
		break;
	case 5:
		/* MONITOR/MWAIT leaf: hidden with the feature. */
		r->eax = r->ebx = r->ecx = r->edx = 0;
		break;
	case 7:
		if (subleaf == 0) {
			r->ebx &= ~(L7_EBX_AVX2 | L7_EBX_AVX512F | L7_EBX_SGX);
			r->ecx &= ~(L7_ECX_WAITPKG | L7_ECX_SGX_LC);
		}
		break;
	case 0xD:
		/* XSAVE state enumeration: hidden with XSAVE. */
		r->eax = r->ebx = r->ecx = r->edx = 0;
		break;
	default:
		break;
	}
}
