/* svm.h - AMD SVM: feature bits and MSRs (AMD APM vol. 2 ch. 15). Only
 * arch/x86/svm/ includes this. */
#ifndef X86_SVM_H
#define X86_SVM_H

#include <plinth/compiler.h>

#define MSR_VM_CR         0xC0010114   /* APM vol. 2 §15.30.1 */
#define MSR_VM_HSAVE_PA   0xC0010117   /* APM vol. 2 §15.30.4 */
#define VM_CR_LOCK        BIT(3)
#define VM_CR_SVMDIS      BIT(4)

/* CPUID 0x8000000A EDX (APM vol. 3 appendix E.4.9 / vol. 2 §15.4). */
#define SVM_CPUID_NP           BIT(0)
#define SVM_CPUID_LBRV         BIT(1)
#define SVM_CPUID_SVML         BIT(2)
#define SVM_CPUID_NRIPS        BIT(3)
#define SVM_CPUID_TSC_RATE     BIT(4)
#define SVM_CPUID_VMCB_CLEAN   BIT(5)
#define SVM_CPUID_FLUSH_ASID   BIT(6)
#define SVM_CPUID_DECODE       BIT(7)
#define SVM_CPUID_PAUSE_FILTER BIT(10)
#define SVM_CPUID_AVIC         BIT(13)

/* Decode CPUID 0x8000000A into VIRT_F_* flags (pure). */
uint64_t svm_features_from_cpuid(uint32_t edx);

#endif
