/* cpuid_policy.c - the guest's CPUID (see cpuid_policy.h). Bit positions
 * from Intel SDM vol. 2A, CPUID instruction, Tables 3-8 and 3-10; the
 * hypervisor range convention from the Linux/KVM/Xen/Hyper-V practice of
 * leaf 0x40000000 giving the highest hypervisor leaf and a signature. */
#include "cpuid_policy.h"

/* Leaf 1 ECX. */
#define L1_ECX_MONITOR   (1u << 3)    /* MONITOR/MWAIT exit and inject #UD */
#define L1_ECX_VMX       (1u << 5)    /* no nested virtualization */
#define L1_ECX_SMX       (1u << 6)
#define L1_ECX_X2APIC    (1u << 21)   /* shown when ctx->x2apic */
#define L1_ECX_TSC_DL    (1u << 24)
#define L1_ECX_XSAVE     (1u << 26)   /* shown when ctx->xcr0_allowed != 0 */
#define L1_ECX_OSXSAVE   (1u << 27)
#define L1_ECX_AVX       (1u << 28)   /* needs XSAVE-enabled state */
#define L1_ECX_HV        (1u << 31)   /* "a hypervisor is present" */
/* Leaf 1 EDX. */
#define L1_EDX_APIC      (1u << 9)    /* shown when ctx->apic */
/* Leaf 7.0 EBX/ECX features that depend on XSAVE state or on exits plinth
 * does not handle. */
#define L7_EBX_AVX2      (1u << 5)
#define L7_EBX_SGX       (1u << 2)
#define L7_EBX_MPX       (1u << 14)   /* BNDREGS/BNDCSR are not in XCR0_ALLOWED */
/* AVX-512 F, DQ, IFMA, PF, ER, CD, BW, VL (EBX) and VBMI, VBMI2, VNNI,
 * BITALG, VPOPCNTDQ (ECX): the ZMM/opmask state is not allowed in XCR0. */
#define L7_EBX_AVX512    ((1u << 16) | (1u << 17) | (1u << 21) | (1u << 26) | (1u << 27) | \
			  (1u << 28) | (1u << 30) | (1u << 31))
#define L7_ECX_AVX512    ((1u << 1) | (1u << 6) | (1u << 11) | (1u << 12) | (1u << 14))
#define L7_ECX_PKU       (1u << 3)    /* PKRU state is not allowed in XCR0 */
#define L7_ECX_OSPKE     (1u << 4)
#define L7_ECX_WAITPKG   (1u << 5)    /* UMWAIT/TPAUSE would idle the physical CPU */
#define L7_ECX_SGX_LC    (1u << 30)
/* AVX512_VP2INTERSECT, AMX-BF16, AVX512_FP16, AMX-TILE, AMX-INT8 (the
 * Xeon Phi AVX512_4VNNIW/4FMAPS need AVX512F, hidden above). */
#define L7_EDX_HIDDEN    ((1u << 8) | (1u << 22) | (1u << 23) | (1u << 24) | (1u << 25))
/* Leaf 0xD subleaf 1 EAX: XSAVEOPT, XSAVEC, XGETBV with ECX=1. XSAVES (3)
 * and XFD (4) stay hidden: the guest has no IA32_XSS or XFD MSRs. */
#define LD1_EAX_SHOWN    0x7u
#define XCR0_AVX         (1ull << 2)

uint64_t cpuid_guest_xcr0_allowed(bool host_has_xsave, uint64_t host_xcr0_supported)
{
	uint64_t allowed = host_xcr0_supported & CPUID_GUEST_XCR0_ALLOWED;

	/* x87 and SSE are architecturally required with XSAVE (SDM vol. 1
	 * §13.3); a host reporting less is not offered XSAVE at all. */
	if (!host_has_xsave || (allowed & 3) != 3)
		return 0;
	return allowed;
}

uint32_t cpuid_xsave_size(uint64_t xcr0, const uint32_t end[CPUID_XSAVE_COMPONENTS])
{
	uint32_t size = CPUID_XSAVE_LEGACY_SIZE;

	for (unsigned i = 2; i < CPUID_XSAVE_COMPONENTS; i++)
		if ((xcr0 & (1ull << i)) && end[i] > size)
			size = end[i];
	return size;
}

/* Leaf 0xD (SDM vol. 2A CPUID, "processor extended state enumeration"):
 * only the allowed components, sizes for the guest's own XCR0. */
static void xsave_leaf(uint32_t subleaf, const struct cpuid_xsave_ctx *ctx, struct cpuid_regs *r)
{
	uint64_t allowed = ctx->xcr0_allowed;

	if (!allowed) {
		r->eax = r->ebx = r->ecx = r->edx = 0;
		return;
	}
	switch (subleaf) {
	case 0:
		r->eax = (uint32_t)allowed;
		r->edx = (uint32_t)(allowed >> 32);
		r->ebx = cpuid_xsave_size(ctx->xcr0, ctx->xsave_end);
		r->ecx = cpuid_xsave_size(allowed, ctx->xsave_end);
		break;
	case 1:
		/* EBX: size for XCR0 | IA32_XSS, and XSS is always 0 here;
		 * ECX:EDX: the XSS bits supported, none. */
		r->eax &= LD1_EAX_SHOWN;
		r->ebx = cpuid_xsave_size(ctx->xcr0, ctx->xsave_end);
		r->ecx = r->edx = 0;
		break;
	default:
		if (subleaf >= 64 || !(allowed & (1ull << subleaf)))
			r->eax = r->ebx = r->ecx = r->edx = 0;
		break;
	}
}

void cpuid_guest_view(uint32_t leaf, uint32_t subleaf, const struct cpuid_guest_ctx *ctx,
		      struct cpuid_regs *r)
{
	cpuid_guest_view_xs(leaf, subleaf, ctx, NULL, r);
}

void cpuid_guest_view_xs(uint32_t leaf, uint32_t subleaf, const struct cpuid_guest_ctx *ctx,
			 const struct cpuid_xsave_ctx *xs, struct cpuid_regs *r)
{
	static const struct cpuid_xsave_ctx no_xsave = { .xcr0_allowed = 0 };

	if (!xs)
		xs = &no_xsave;
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
			    L1_ECX_TSC_DL | L1_ECX_OSXSAVE);
		if (!xs->xcr0_allowed)
			r->ecx &= ~L1_ECX_XSAVE;
		if (!(xs->xcr0_allowed & XCR0_AVX))
			r->ecx &= ~L1_ECX_AVX;
		r->ecx |= L1_ECX_HV;
		/* OSXSAVE mirrors CR4.OSXSAVE (SDM vol. 2A CPUID, leaf 1 ECX[27]). */
		if (ctx->cr4_osxsave)
			r->ecx |= L1_ECX_OSXSAVE;
		r->edx &= ~L1_EDX_APIC;
		if (ctx->apic)
			r->edx |= L1_EDX_APIC;
		if (ctx->x2apic)
			r->ecx |= L1_ECX_X2APIC;
		/* EBX[31:24]: initial APIC ID of this vCPU. */
		r->ebx = (r->ebx & 0x00FFFFFFu) | (ctx->apic_id << 24);
		break;
	case 5:
		/* MONITOR/MWAIT leaf: hidden with the feature. */
		r->eax = r->ebx = r->ecx = r->edx = 0;
		break;
	case 7:
		if (subleaf == 0) {
			r->ebx &= ~(L7_EBX_AVX512 | L7_EBX_SGX | L7_EBX_MPX);
			if (!(xs->xcr0_allowed & XCR0_AVX))
				r->ebx &= ~L7_EBX_AVX2;
			r->ecx &= ~(L7_ECX_WAITPKG | L7_ECX_SGX_LC | L7_ECX_AVX512 | L7_ECX_PKU |
				    L7_ECX_OSPKE);
			r->edx &= ~L7_EDX_HIDDEN;
		}
		break;
	case 0xB:
	case 0x1F:
		/* Extended topology: EDX is the x2APIC ID of the vCPU asking
		 * (SDM vol. 2A CPUID leaf 0BH/1FH), not the host CPU's. */
		r->edx = ctx->apic_id;
		break;
	case 0xD:
		xsave_leaf(subleaf, xs, r);
		break;
	default:
		break;
	}
}
