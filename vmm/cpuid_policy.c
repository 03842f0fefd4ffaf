/* cpuid_policy.c - the guest's CPUID (see cpuid_policy.h). Bit positions
 * from Intel SDM vol. 2A, CPUID instruction, Tables 3-8 and 3-10; the
 * hypervisor range convention from the Linux/KVM/Xen/Hyper-V practice of
 * leaf 0x40000000 giving the highest hypervisor leaf and a signature. */
#include "cpuid_policy.h"

/* Leaf 1 ECX. */
#define L1_ECX_MONITOR   (1u << 3)    /* MONITOR/MWAIT exit and inject #UD */
#define L1_ECX_VMX       (1u << 5)    /* no nested virtualization */
#define L1_ECX_SMX       (1u << 6)
#define L1_ECX_PDCM      (1u << 15)   /* IA32_PERF_CAPABILITIES: no PMU MSRs here */
#define L1_ECX_X2APIC    (1u << 21)   /* shown when ctx->x2apic */
#define L1_ECX_TSC_DL    (1u << 24)
#define L1_ECX_XSAVE     (1u << 26)   /* shown when ctx->xcr0_allowed != 0 */
#define L1_ECX_OSXSAVE   (1u << 27)
#define L1_ECX_AVX       (1u << 28)   /* needs XSAVE-enabled state */
#define L1_ECX_HV        (1u << 31)   /* "a hypervisor is present" */
/* Leaf 1 EDX. */
#define L1_EDX_APIC      (1u << 9)    /* shown when ctx->apic */
#define L1_EDX_HTT       (1u << 28)   /* EBX[23:16] is valid: more than one logical CPU */
/* Leaf 0xB/0x1F ECX[15:8] level types. */
#define TOPO_LEVEL_SMT   1u
#define TOPO_LEVEL_CORE  2u
/* 0x80000001 ECX[1] CmpLegacy: the logical CPUs are cores, not threads
 * (AMD APM vol. 3 CPUID Fn8000_0001_ECX). */
#define E1_ECX_CMP_LEGACY (1u << 1)
/* 0x80000001 ECX[2] SVM: no nested virtualization, as VMX is hidden in
 * leaf 1 (a guest that sees it writes the SVM MSRs, e.g. VM_HSAVE_PA on
 * shutdown); leaf 0x8000000A (SVM features) reads as zero with it. */
#define E1_ECX_SVM        (1u << 2)
/* 0x80000007 EDX[8]: invariant TSC. */
#define E7_EDX_INVARIANT_TSC (1u << 8)
/* Leaf 6 EAX: the always-running APIC timer. */
#define L6_EAX_ARAT      (1u << 2)
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

unsigned cpuid_core_id_bits(uint32_t n)
{
	unsigned bits = 0;

	while (bits < 32 && (1ull << bits) < n)
		bits++;
	return bits;
}

/* Leaf 0xB / 0x1F (SDM vol. 2A CPUID "Extended Topology Enumeration"):
 * level 0 SMT with one thread per core (shift 0), level 1 core with n
 * cores (shift ceil(log2 n)), then an invalid level; EDX is the x2APIC ID
 * of the vCPU asking, never the host CPU's. */
static void topology_leaf(uint32_t subleaf, uint32_t n, uint32_t apic_id, struct cpuid_regs *r)
{
	r->ecx = subleaf & 0xFF;
	r->edx = apic_id;
	switch (subleaf) {
	case 0:
		r->eax = 0;
		r->ebx = 1;
		r->ecx |= TOPO_LEVEL_SMT << 8;
		break;
	case 1:
		r->eax = cpuid_core_id_bits(n);
		r->ebx = n;
		r->ecx |= TOPO_LEVEL_CORE << 8;
		break;
	default:
		r->eax = r->ebx = 0;   /* level type 0: invalid, the end */
		break;
	}
}

/* Leaf 4 (SDM vol. 2A CPUID "Deterministic Cache Parameters"): EAX[31:26]
 * cores per package - 1; EAX[25:14] logical CPUs sharing the cache - 1:
 * one (the core's own) for L1/L2, all n for L3. Subleaves with cache type
 * 0 (EAX[4:0]) end the list and stay as they are. */
static void cache_leaf(uint32_t n, struct cpuid_regs *r)
{
	uint32_t level = (r->eax >> 5) & 7, sharing = level >= 3 ? n - 1 : 0;

	if (!(r->eax & 0x1F))
		return;
	r->eax = (r->eax & 0x3FFFu) | (MIN(sharing, 0xFFFu) << 14) | (MIN(n - 1, 0x3Fu) << 26);
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
	uint32_t n = ctx->nr_vcpus ? ctx->nr_vcpus : 1;

	if (!xs)
		xs = &no_xsave;
	if (cpuid_leaf_is_hypervisor(leaf)) {
		if (leaf == CPUID_HV_BASE) {
			r->eax = CPUID_HV_MAX_LEAF;
			r->ebx = CPUID_HV_SIG_EBX;
			r->ecx = CPUID_HV_SIG_ECX;
			r->edx = CPUID_HV_SIG_EDX;
		} else if (leaf == CPUID_KVM_BASE) {
			r->eax = CPUID_KVM_FEATURES;
			r->ebx = CPUID_KVM_SIG_EBX;
			r->ecx = CPUID_KVM_SIG_ECX;
			r->edx = CPUID_KVM_SIG_EDX;
		} else if (leaf == CPUID_KVM_FEATURES) {
			r->eax = CPUID_KVM_CLOCKSOURCE2 | CPUID_KVM_NOP_IO_DELAY |
				 (ctx->tsc_reliable ? CPUID_KVM_CLOCKSOURCE_STABLE : 0);
			r->ebx = r->ecx = r->edx = 0;
		} else {
			/* Leaves plinth does not define read as zero. */
			r->eax = r->ebx = r->ecx = r->edx = 0;
		}
		return;
	}
	switch (leaf) {
	case 1:
		r->ecx &= ~(L1_ECX_MONITOR | L1_ECX_VMX | L1_ECX_SMX | L1_ECX_PDCM |
			    L1_ECX_X2APIC | L1_ECX_TSC_DL | L1_ECX_OSXSAVE);
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
		/* EBX[31:24]: initial APIC ID of this vCPU; EBX[23:16]: the
		 * APIC IDs the package reserves (a power of two >= n), valid
		 * with HTT (SDM vol. 2A CPUID leaf 1, Table 3-8 / 3-11). */
		r->ebx = (r->ebx & 0x0000FFFFu) | (ctx->apic_id << 24) |
			 ((uint32_t)MIN(1u << cpuid_core_id_bits(n), 0xFFu) << 16);
		r->edx &= ~L1_EDX_HTT;
		if (n > 1)
			r->edx |= L1_EDX_HTT;
		break;
	case 4:
		cache_leaf(n, r);
		break;
	case 5:
		/* MONITOR/MWAIT leaf: hidden with the feature. */
		r->eax = r->ebx = r->ecx = r->edx = 0;
		break;
	case 6:
		/* Thermal and power management (SDM vol. 2A CPUID leaf 06H;
		 * AMD APM vol. 3 CPUID Fn0000_0006): every feature here but
		 * ARAT names MSRs plinth does not emulate (IA32_APERF/MPERF
		 * for ECX[0], which Linux reads twice per tick to scale the
		 * scheduler's capacity; ENERGY_PERF_BIAS for ECX[3]; the
		 * thermal, HWP and HFI MSRs of EAX): shown, they would #GP.
		 * ARAT (EAX[2], the APIC timer runs in every C-state) holds
		 * for the virtual local APIC. */
		r->eax &= L6_EAX_ARAT;
		r->ebx = r->ecx = r->edx = 0;
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
		topology_leaf(subleaf, n, ctx->apic_id, r);
		break;
	case 0x80000001:
		/* AMD: cores, not threads, behind leaf 1's count. */
		r->ecx &= ~(E1_ECX_CMP_LEGACY | E1_ECX_SVM);
		if (n > 1)
			r->ecx |= E1_ECX_CMP_LEGACY;
		break;
	case 0x80000007:
		/* Invariant TSC (SDM vol. 2A CPUID, 0x80000007 EDX[8]; vol. 3
		 * §18.17.1): the guest TSC is the host's plus one per-VM
		 * offset, so its rate and its agreement across vCPUs are the
		 * host's, as plinth measured them (ctx->tsc_reliable). */
		r->edx = (r->edx & ~E7_EDX_INVARIANT_TSC) |
			 (ctx->tsc_reliable ? E7_EDX_INVARIANT_TSC : 0);
		break;
	case 0x8000000A:
		r->eax = r->ebx = r->ecx = r->edx = 0;
		break;
	case 0x80000008:
		/* AMD APM vol. 3 CPUID Fn8000_0008_ECX: NC (7:0) cores - 1,
		 * ApicIdCoreIdSize (15:12) bits of the APIC ID for the core;
		 * EAX (address sizes) and EBX stay the host's. */
		r->ecx = (MIN(n - 1, 0xFFu)) | (cpuid_core_id_bits(n) << 12);
		break;
	case 0x8000001E:
		/* AMD Fn8000_001E: EAX the extended APIC ID, EBX core ID
		 * (7:0) with one thread per core (15:8 = 0), ECX node 0 of one
		 * node per package. */
		r->eax = ctx->apic_id;
		r->ebx = ctx->apic_id & 0xFF;
		r->ecx = 0;
		r->edx = 0;
		break;
	case 0xD:
		xsave_leaf(subleaf, xs, r);
		break;
	default:
		break;
	}
}
