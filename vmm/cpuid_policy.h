/* cpuid_policy.h - what CPUID reports to guests (vmm/cpuid_policy.c, pure
 * and host-tested): the host's values with the features plinth does not
 * virtualise hidden, the hypervisor-present bit set, and plinth's own
 * hypervisor leaves at 0x40000000. */
#ifndef VMM_CPUID_POLICY_H
#define VMM_CPUID_POLICY_H

#include <plinth/compiler.h>

#define CPUID_HV_BASE     0x40000000u
#define CPUID_HV_MAX_LEAF 0x40000000u   /* plinth defines only the signature leaf so far */
/* "plinthplinth" in EBX, ECX, EDX (little-endian), as KVM's "KVMKVMKVM". */
#define CPUID_HV_SIG_EBX  0x6e696c70u   /* "plin" */
#define CPUID_HV_SIG_ECX  0x6c706874u   /* "thpl" */
#define CPUID_HV_SIG_EDX  0x68746e69u   /* "inth" */

/* A KVM-compatible leaf block beside plinth's own (as Xen puts its leaves
 * at 0x40000100 when Viridian takes 0x40000000): Linux scans 0x40000000-
 * 0x4000FF00 in 0x100 steps for "KVMKVMKVM" (hypervisor_cpuid_base) and
 * uses the features of the block's second leaf (EAX bits, Linux
 * Documentation/virt/kvm/x86/cpuid.rst): kvm-clock (vmm/kvmclock.h),
 * KVM_FEATURE_CLOCKSOURCE2 (bit 3), and KVM_FEATURE_NOP_IO_DELAY (bit 1):
 * plinth's device models need no settling time between port accesses, so
 * the guest may drop its delay writes to port 0x80 (outb_p). No hints in
 * EDX. */
#define CPUID_KVM_BASE         0x40000100u
#define CPUID_KVM_FEATURES     0x40000101u
#define CPUID_KVM_SIG_EBX      0x4b4d564bu   /* "KVMK" */
#define CPUID_KVM_SIG_ECX      0x564b4d56u   /* "VMKV" */
#define CPUID_KVM_SIG_EDX      0x0000004du   /* "M\0\0\0" */
#define CPUID_KVM_NOP_IO_DELAY (1u << 1)
#define CPUID_KVM_CLOCKSOURCE2 (1u << 3)
/* The host sets PVCLOCK_TSC_STABLE_BIT in kvm-clock's flags when it holds
 * (Documentation/virt/kvm/x86/cpuid.rst, msr.rst; vmm/pvclock.c). */
#define CPUID_KVM_CLOCKSOURCE_STABLE (1u << 24)

struct cpuid_regs { uint32_t eax, ebx, ecx, edx; };

/* XSAVE state components plinth lets a guest enable: x87, SSE, AVX (Intel
 * SDM vol. 1 §13.1). MPX, AVX-512, PKRU, AMX and the supervisor components
 * stay off until something switches and checks them. */
#define CPUID_GUEST_XCR0_ALLOWED 0x7ull
/* XSAVE components whose offsets the caller reports (0, 1 are the legacy
 * area; 2..7 AVX through AVX-512). */
#define CPUID_XSAVE_COMPONENTS   8
/* The legacy XSAVE area (512 bytes) plus the XSAVE header (64), where the
 * first extended component may start (SDM vol. 1 §13.4.1-§13.4.2). */
#define CPUID_XSAVE_LEGACY_SIZE  576u

/* What the guest may learn about its own vCPU. */
struct cpuid_guest_ctx {
	uint32_t apic_id;       /* initial APIC ID of the vCPU */
	/* vCPUs of the VM (0 counts as 1): one package of nr_vcpus cores,
	 * one thread each, APIC IDs 0..nr_vcpus-1 (leaves 1, 4, 0xB, 0x1F,
	 * 0x80000001, 0x80000008, 0x8000001E). */
	uint32_t nr_vcpus;
	bool cr4_osxsave;       /* guest CR4.OSXSAVE, mirrored in leaf 1 ECX[27] */
	/* The vCPU has a local APIC, globally enabled (IA32_APIC_BASE[11]):
	 * leaf 1 EDX[9] (SDM vol. 3 §11.4.3: the flag follows the enable). */
	bool apic;
	/* Offer x2APIC mode (leaf 1 ECX[21]; SDM vol. 3 §11.12.1). */
	bool x2apic;
	/* The guest TSC is one constant-rate clock for all vCPUs
	 * (vmm/kvmclock.h kvmclock_host_tsc_reliable): offer the invariant
	 * TSC (0x80000007 EDX[8]) and KVM_FEATURE_CLOCKSOURCE_STABLE_BIT
	 * (0x40000101 EAX[24]); both hidden otherwise. */
	bool tsc_reliable;
};

/* The XSAVE state the guest is offered. */
struct cpuid_xsave_ctx {
	/* XCR0 bits the guest may enable (cpuid_guest_xcr0_allowed()); 0 hides
	 * XSAVE and everything that needs it (AVX, AVX2, leaf 0xD). */
	uint64_t xcr0_allowed;
	uint64_t xcr0;          /* the guest's XCR0 now (leaf 0xD.0/1 EBX) */
	/* End (offset + size) of each extended component in the standard
	 * XSAVE layout: the host's CPUID (0xD, i) EBX + EAX; 0 if unknown. */
	uint32_t xsave_end[CPUID_XSAVE_COMPONENTS];
};

/* The XCR0 bits a guest may enable, from the host's CPUID (0xD, 0)
 * EDX:EAX; 0 when the host has no XSAVE (host_has_xsave false). */
uint64_t cpuid_guest_xcr0_allowed(bool host_has_xsave, uint64_t host_xcr0_supported);
/* Bytes of the XSAVE area for the components in xcr0 (SDM vol. 2A CPUID
 * leaf 0xD: the largest end offset of an enabled component). */
uint32_t cpuid_xsave_size(uint64_t xcr0, const uint32_t end[CPUID_XSAVE_COMPONENTS]);

/* True for leaves answered without asking the host CPU (the hypervisor
 * range 0x40000000-0x4FFFFFFF). */
static inline bool cpuid_leaf_is_hypervisor(uint32_t leaf)
{
	return (leaf & 0xF0000000u) == CPUID_HV_BASE;
}
/* Turn the host's answer for (leaf, subleaf) in *r into the guest's, with
 * the XSAVE state of xs offered (NULL: XSAVE hidden). For hypervisor
 * leaves *r is ignored on input. */
void cpuid_guest_view_xs(uint32_t leaf, uint32_t subleaf, const struct cpuid_guest_ctx *ctx,
			 const struct cpuid_xsave_ctx *xs, struct cpuid_regs *r);
/* The topology fields for n vCPUs: bits of the x2APIC ID that number the
 * cores of the package (ceil(log2 n), SDM vol. 2A CPUID leaf 0BH "number
 * of bits to shift right"). */
unsigned cpuid_core_id_bits(uint32_t n);
/* The same with XSAVE hidden. */
void cpuid_guest_view(uint32_t leaf, uint32_t subleaf, const struct cpuid_guest_ctx *ctx,
		      struct cpuid_regs *r);

#endif
