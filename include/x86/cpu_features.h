/* cpu_features.h - what this CPU can do, decoded once from CPUID
 * (arch/x86/cpuid_decode.c, pure and host-tested) and applied to the
 * control registers of every CPU (arch/x86/features.c). */
#ifndef X86_CPU_FEATURES_H
#define X86_CPU_FEATURES_H

#include <plinth/compiler.h>

/* The raw CPUID (and VMX capability MSR) values the decoder reads. Leaves
 * beyond a max leaf must be left zero by the caller. */
struct cpuid_raw {
	uint32_t max_leaf;                 /* CPUID.0:EAX */
	uint32_t vendor[3];                /* CPUID.0: EBX, EDX, ECX (in string order) */
	uint32_t l1_eax, l1_ebx, l1_ecx, l1_edx;
	uint32_t l7_ebx, l7_ecx, l7_edx;   /* CPUID.(7,0) */
	uint32_t ld_eax, ld_edx;           /* CPUID.(0xD,0): XCR0 bits supported */
	uint32_t max_ext;                  /* CPUID.80000000h:EAX */
	uint32_t e1_ecx, e1_edx;           /* CPUID.80000001h */
	uint32_t brand[12];                /* CPUID.80000002h-80000004h EAX..EDX */
	uint32_t e7_edx;                   /* CPUID.80000007h */
	uint32_t ea_edx;                   /* CPUID.8000000Ah (SVM features) */
	/* IA32_VMX_PROCBASED_CTLS (0x482) and ..._CTLS2 (0x48B), read only
	 * when VMX is present; 0 otherwise. */
	uint64_t vmx_procbased, vmx_procbased2;
};

struct cpu_features {
	char vendor[13];                   /* "GenuineIntel", "AuthenticAMD", ... */
	char brand[49];                    /* brand string, leading blanks removed; "" if none */
	unsigned family, model, stepping;  /* display values (Intel SDM vol. 2A CPUID, Figure 3-6) */
	bool vmx, ept, svm, npt;
	bool smep, smap, umip;
	bool x2apic, xsave, avx, fxsr, sse;
	bool pge, nx, gbpages, tsc_deadline, invariant_tsc, mce, mca;
	uint64_t xcr0_supported;           /* CPUID.(0xD,0) EDX:EAX */
};

/* CPUID.1:ECX / EDX, CPUID.7.0, 80000001h bits (Intel SDM vol. 2A, CPUID). */
#define CPUID1_ECX_VMX          BIT(5)
#define CPUID1_ECX_X2APIC       BIT(21)
#define CPUID1_ECX_TSC_DEADLINE BIT(24)
#define CPUID1_ECX_XSAVE        BIT(26)
#define CPUID1_ECX_AVX          BIT(28)
#define CPUID1_EDX_MCE          BIT(7)
#define CPUID1_EDX_PGE          BIT(13)
#define CPUID1_EDX_MCA          BIT(14)
#define CPUID1_EDX_FXSR         BIT(24)
#define CPUID1_EDX_SSE          BIT(25)
#define CPUID7_EBX_SMEP         BIT(7)
#define CPUID7_EBX_SMAP         BIT(20)
#define CPUID7_ECX_UMIP         BIT(2)
#define CPUIDE1_ECX_SVM         BIT(2)    /* AMD APM vol. 3 Appendix E.4.2 */
#define CPUIDE1_EDX_NX          BIT(20)
#define CPUIDE1_EDX_1GB         BIT(26)
#define CPUIDE7_EDX_INVTSC      BIT(8)
#define CPUIDEA_EDX_NPT         BIT(0)    /* AMD APM vol. 3 Appendix E.4.9 */
/* VMX: "activate secondary controls" is allowed-1 bit 63 of PROCBASED_CTLS,
 * "enable EPT" allowed-1 bit 33 of PROCBASED_CTLS2 (Intel SDM vol. 3 §A.3.2, §A.3.3). */
#define VMX_PROCBASED_ALLOW_SECONDARY BIT(63)
#define VMX_PROCBASED2_ALLOW_EPT      BIT(33)

#define XCR0_X87  BIT(0)
#define XCR0_SSE  BIT(1)
#define XCR0_AVX  BIT(2)

/* Decode raw CPUID values into *f (all fields written). */
void cpu_features_decode(const struct cpuid_raw *raw, struct cpu_features *f);
/* "<vendor> <brand>, family F model M stepping S, features: vmx ept ..."
 * (present features only). Returns the length written (NUL-terminated,
 * truncated to size). */
size_t cpu_features_format(char *buf, size_t size, const struct cpu_features *f);
/* The CR4 bits plinth sets on a CPU with these features: MCE, PGE, OSFXSR|
 * OSXMMEXCPT, OSXSAVE and, when allow_smep_smap, SMEP/SMAP/UMIP, each only
 * if present. */
uint64_t cpu_features_cr4_bits(const struct cpu_features *f, bool allow_smep_smap);
/* XCR0 to program when OSXSAVE is set: x87|SSE, plus AVX when the CPU
 * supports it (Intel SDM vol. 1 §13.3: AVX needs SSE, x87 always set). */
uint64_t cpu_features_xcr0(const struct cpu_features *f);

/* Kernel side (arch/x86/features.c): the BSP's decoded features, valid
 * after cpu_features_init() ran on the BSP. */
const struct cpu_features *cpu_features(void);

#endif
