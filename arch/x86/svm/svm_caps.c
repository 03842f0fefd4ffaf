/* svm_caps.c - decode SVM's CPUID leaf 0x8000000A (pure, host-tested). */
#include <plinth/virt.h>
#include <x86/svm.h>

uint64_t svm_features_from_cpuid(uint32_t edx)
{
	uint64_t f = VIRT_F_UNRESTRICTED;   /* SVM runs real and paged modes alike */
	if (edx & SVM_CPUID_NP) f |= VIRT_F_SLAT | VIRT_F_SLAT_2M;
	if (edx & SVM_CPUID_NRIPS) f |= VIRT_F_NRIP;
	if (edx & SVM_CPUID_VMCB_CLEAN) f |= VIRT_F_VMCB_CLEAN;
	if (edx & SVM_CPUID_DECODE) f |= VIRT_F_DECODE_ASSIST;
	if (edx & SVM_CPUID_FLUSH_ASID) f |= VIRT_F_FLUSH_BY_ASID;
	if (edx & SVM_CPUID_TSC_RATE) f |= VIRT_F_TSC_SCALING;
	if (edx & SVM_CPUID_PAUSE_FILTER) f |= VIRT_F_PAUSE_FILTER;
	if (edx & SVM_CPUID_AVIC) f |= VIRT_F_APIC_VIRT;
	return f | VIRT_F_TAGGED_TLB;       /* ASIDs are architectural in SVM */
}
