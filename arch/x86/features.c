/* features.c - switch on, on every CPU, the protections and state-saving
 * features plinth relies on, from what CPUID reports (decoded by
 * cpuid_decode.c). The BSP logs what the machine has; an AP that differs
 * from the BSP is reported. */
#include <plinth/log.h>
#include <plinth/options.h>
#include <x86/arch.h>
#include <x86/cpu.h>
#include <x86/cpu_features.h>
#include <x86/percpu.h>

#define MSR_IA32_VMX_PROCBASED_CTLS  0x482
#define MSR_IA32_VMX_PROCBASED_CTLS2 0x48B

static struct cpu_features bsp_features;
static bool bsp_features_valid;

const struct cpu_features *cpu_features(void)
{
	return &bsp_features;
}

static void read_cpuid(struct cpuid_raw *r)
{
	uint32_t a, b, c, d;
	*r = (struct cpuid_raw){ 0 };
	cpuid(0, &r->max_leaf, &r->vendor[0], &r->vendor[2], &r->vendor[1]);
	if (r->max_leaf >= 1)
		cpuid(1, &r->l1_eax, &r->l1_ebx, &r->l1_ecx, &r->l1_edx);
	if (r->max_leaf >= 7)
		cpuid_count(7, 0, &a, &r->l7_ebx, &r->l7_ecx, &r->l7_edx);
	if (r->max_leaf >= 0xD)
		cpuid_count(0xD, 0, &r->ld_eax, &b, &c, &r->ld_edx);
	cpuid(0x80000000u, &r->max_ext, &b, &c, &d);
	if ((r->max_ext & 0xFFFF0000u) != 0x80000000u)
		r->max_ext = 0;   /* no extended leaves */
	if (r->max_ext >= 0x80000001u)
		cpuid(0x80000001u, &a, &b, &r->e1_ecx, &r->e1_edx);
	if (r->max_ext >= 0x80000004u)
		for (unsigned i = 0; i < 3; i++)
			cpuid(0x80000002u + i, &r->brand[4 * i], &r->brand[4 * i + 1],
			      &r->brand[4 * i + 2], &r->brand[4 * i + 3]);
	if (r->max_ext >= 0x80000007u)
		cpuid(0x80000007u, &a, &b, &c, &r->e7_edx);
	if (r->max_ext >= 0x8000000Au)
		cpuid(0x8000000Au, &a, &b, &c, &r->ea_edx);
	/* The VMX capability MSRs exist when CPUID.1:ECX.VMX is set (Intel
	 * SDM vol. 3 §A.1); PROCBASED_CTLS2 only if secondary controls can be
	 * activated (§A.3.3). */
	if (r->l1_ecx & CPUID1_ECX_VMX) {
		r->vmx_procbased = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS);
		if (r->vmx_procbased & VMX_PROCBASED_ALLOW_SECONDARY)
			r->vmx_procbased2 = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2);
	}
}

static void xsetbv(uint32_t reg, uint64_t value)
{
	__asm__ __volatile__("xsetbv" :: "c"(reg), "a"((uint32_t)value),
			     "d"((uint32_t)(value >> 32)) : "memory");
}

/* The features whose absence on one CPU but not another matters. */
static void compare_with_bsp(const struct cpu_features *f)
{
	const struct cpu_features *b = &bsp_features;
	if (f->vmx != b->vmx || f->svm != b->svm || f->ept != b->ept || f->npt != b->npt ||
	    f->nx != b->nx || f->xsave != b->xsave || f->avx != b->avx ||
	    f->xcr0_supported != b->xcr0_supported || f->smep != b->smep || f->smap != b->smap)
		pr_warn("cpu: CPU %u's features differ from the bootstrap processor's "
			"(vmx %d/%d svm %d/%d ept %d/%d npt %d/%d nx %d/%d xsave %d/%d)",
			this_cpu_id_checked(), f->vmx, b->vmx, f->svm, b->svm, f->ept, b->ept,
			f->npt, b->npt, f->nx, b->nx, f->xsave, b->xsave);
}

void cpu_features_init(void)
{
	struct cpuid_raw raw;
	struct cpu_features f;
	read_cpuid(&raw);
	cpu_features_decode(&raw, &f);

	/* CR0.WP: supervisor writes honour read-only pages, so W^X holds for
	 * plinth itself (Intel SDM vol. 3 §4.6.1). CR0.NE: native x87 error
	 * reporting (§2.5). MP set, EM and TS clear: x87/SSE instructions
	 * execute instead of faulting (§2.5, §14.1.3), as guests will need. */
	uint64_t cr0 = read_cr0();
	cr0 |= CR0_WP | CR0_NE | CR0_MP;
	cr0 &= ~(CR0_EM | CR0_TS);
	write_cr0(cr0);

	/* EFER.NXE: the XD bit in page tables takes effect (§4.1.4, §2.2.1). */
	if (f.nx)
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);

	/* PGE, OSFXSR/OSXMMEXCPT, OSXSAVE and (unless smep=off) SMEP, SMAP,
	 * UMIP (§2.5). plinth never maps user pages, so SMEP/SMAP only fire on
	 * a broken page table - exactly what they are for. */
	write_cr4(read_cr4() | cpu_features_cr4_bits(&f, hv_opts.smep_smap));

	/* XCR0 can be written only once CR4.OSXSAVE is set (Intel SDM vol. 2B,
	 * XSETBV); x87 must be set and AVX needs SSE (vol. 1 §13.3). */
	if (f.xsave)
		xsetbv(0, cpu_features_xcr0(&f));

	if (!bsp_features_valid) {
		char line[320];
		bsp_features = f;
		bsp_features_valid = true;
		cpu_features_format(line, sizeof(line), &f);
		pr_info("cpu: %s", line);
		if (!hv_opts.smep_smap && (f.smep || f.smap || f.umip))
			pr_info("cpu: SMEP/SMAP/UMIP left off (smep=off on the command line)");
		if (!f.nx)
			pr_warn("cpu: no NX (execute-disable) support: data pages stay executable");
	} else {
		compare_with_bsp(&f);
	}
}
