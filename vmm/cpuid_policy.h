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

struct cpuid_regs { uint32_t eax, ebx, ecx, edx; };

/* What the guest may learn about its own vCPU. */
struct cpuid_guest_ctx {
	uint32_t apic_id;       /* initial APIC ID of the vCPU */
	bool cr4_osxsave;       /* guest CR4.OSXSAVE, mirrored in leaf 1 ECX[27] */
};

/* True for leaves answered without asking the host CPU (the hypervisor
 * range 0x40000000-0x4FFFFFFF). */
bool cpuid_leaf_is_hypervisor(uint32_t leaf);
/* Turn the host's answer for (leaf, subleaf) in *r into the guest's. For
 * hypervisor leaves *r is ignored on input. */
void cpuid_guest_view(uint32_t leaf, uint32_t subleaf, const struct cpuid_guest_ctx *ctx,
		      struct cpuid_regs *r);

#endif
