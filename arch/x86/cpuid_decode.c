/* cpuid_decode.c - turn raw CPUID values into struct cpu_features and the
 * one-line description logged at boot. Pure: the kernel feeds it real CPUID
 * (features.c), host unit tests feed synthetic values. */
#include <plinth/printf.h>
#include <plinth/string.h>
#include <x86/cpu_features.h>
#include <x86/cpu.h>

/* Copy n 32-bit registers as the bytes CPUID returns them in (little endian). */
static void regs_to_chars(char *dst, const uint32_t *regs, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		for (unsigned b = 0; b < 4; b++)
			dst[i * 4 + b] = (char)(regs[i] >> (8 * b));
	dst[n * 4] = 0;
}

/* Replace bytes that are not printable ASCII: a firmware or emulator may
 * put anything in these registers, and the result goes to the console. */
static void sanitize(char *s)
{
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7E)
			*s = '?';
}

/* Family/model/stepping display values (Intel SDM vol. 2A, CPUID leaf 1,
 * "Version Information"; AMD APM vol. 3 Appendix E.3.2 gives the same rule
 * for extended family; extended model applies to family 6 and 15). */
static void decode_signature(uint32_t eax, struct cpu_features *f)
{
	unsigned base_family = (eax >> 8) & 0xF;
	unsigned base_model = (eax >> 4) & 0xF;
	f->stepping = eax & 0xF;
	f->family = base_family;
	if (base_family == 0xF)
		f->family += (eax >> 20) & 0xFF;
	f->model = base_model;
	if (base_family == 0x6 || base_family == 0xF)
		f->model += ((eax >> 16) & 0xF) << 4;
}

void cpu_features_decode(const struct cpuid_raw *raw, struct cpu_features *f)
{
	memset(f, 0, sizeof(*f));
	regs_to_chars(f->vendor, raw->vendor, 3);
	sanitize(f->vendor);

	if (raw->max_leaf >= 1) {
		decode_signature(raw->l1_eax, f);
		f->vmx = raw->l1_ecx & CPUID1_ECX_VMX;
		f->x2apic = raw->l1_ecx & CPUID1_ECX_X2APIC;
		f->tsc_deadline = raw->l1_ecx & CPUID1_ECX_TSC_DEADLINE;
		f->xsave = raw->l1_ecx & CPUID1_ECX_XSAVE;
		f->avx = raw->l1_ecx & CPUID1_ECX_AVX;
		f->mce = raw->l1_edx & CPUID1_EDX_MCE;
		f->pge = raw->l1_edx & CPUID1_EDX_PGE;
		f->mca = raw->l1_edx & CPUID1_EDX_MCA;
		f->fxsr = raw->l1_edx & CPUID1_EDX_FXSR;
		f->sse = raw->l1_edx & CPUID1_EDX_SSE;
	}
	if (raw->max_leaf >= 7) {
		f->smep = raw->l7_ebx & CPUID7_EBX_SMEP;
		f->smap = raw->l7_ebx & CPUID7_EBX_SMAP;
		f->umip = raw->l7_ecx & CPUID7_ECX_UMIP;
	}
	if (raw->max_leaf >= 0xD && f->xsave)
		f->xcr0_supported = ((uint64_t)raw->ld_edx << 32) | raw->ld_eax;
	/* AVX state can only be enabled through XSAVE (Intel SDM vol. 1 §13.3). */
	if (!f->xsave || !(f->xcr0_supported & XCR0_AVX))
		f->avx = false;

	/* Extended leaves exist when 80000000h returns 8000000xh (SDM vol. 2A). */
	uint32_t max_ext = (raw->max_ext & 0xFFFF0000u) == 0x80000000u ? raw->max_ext : 0;
	if (max_ext >= 0x80000001u) {
		f->svm = raw->e1_ecx & CPUIDE1_ECX_SVM;
		f->nx = raw->e1_edx & CPUIDE1_EDX_NX;
		f->gbpages = raw->e1_edx & CPUIDE1_EDX_1GB;
	}
	if (max_ext >= 0x80000004u) {
		char brand[49];
		regs_to_chars(brand, raw->brand, 12);
		sanitize(brand);
		const char *b = brand;
		while (*b == ' ')
			b++;   /* some brand strings are right-justified */
		str_copy(f->brand, b, sizeof(f->brand));
		size_t n = strlen(f->brand);
		while (n > 0 && f->brand[n - 1] == ' ')
			f->brand[--n] = 0;
	}
	if (max_ext >= 0x80000007u)
		f->invariant_tsc = raw->e7_edx & CPUIDE7_EDX_INVTSC;
	if (f->svm && max_ext >= 0x8000000Au)
		f->npt = raw->ea_edx & CPUIDEA_EDX_NPT;
	if (f->vmx && (raw->vmx_procbased & VMX_PROCBASED_ALLOW_SECONDARY))
		f->ept = raw->vmx_procbased2 & VMX_PROCBASED2_ALLOW_EPT;
}

/* Append to buf at *n, keeping the NUL and never overrunning. */
static void append(char *buf, size_t size, size_t *n, const char *s)
{
	int w = ksnprintf(buf + *n, size - *n, "%s", s);
	if (w < 0)
		return;
	*n += MIN((size_t)w, size - *n - 1);
}

size_t cpu_features_format(char *buf, size_t size, const struct cpu_features *f)
{
	static const struct { size_t offset; const char *name; } flags[] = {
#define FLAG(field, text) { offsetof(struct cpu_features, field), text }
		FLAG(vmx, "vmx"), FLAG(ept, "ept"), FLAG(svm, "svm"), FLAG(npt, "npt"),
		FLAG(smep, "smep"), FLAG(smap, "smap"), FLAG(umip, "umip"),
		FLAG(x2apic, "x2apic"), FLAG(xsave, "xsave"), FLAG(avx, "avx"),
		FLAG(gbpages, "1gpages"), FLAG(nx, "nx"), FLAG(tsc_deadline, "tsc-deadline"),
		FLAG(invariant_tsc, "invariant-tsc"),
#undef FLAG
	};
	size_t n = 0;
	if (size == 0)
		return 0;
	buf[0] = 0;
	int w = ksnprintf(buf, size, "%s%s%s, family %u model %u stepping %u, features:",
			  f->vendor[0] ? f->vendor : "unknown-vendor", f->brand[0] ? " " : "",
			  f->brand, f->family, f->model, f->stepping);
	if (w < 0)
		return 0;
	n = MIN((size_t)w, size - 1);
	bool any = false;
	for (size_t i = 0; i < ARRAY_SIZE(flags); i++) {
		bool present = *(const bool *)((const char *)f + flags[i].offset);
		if (!present)
			continue;
		append(buf, size, &n, " ");
		append(buf, size, &n, flags[i].name);
		any = true;
	}
	if (!any)
		append(buf, size, &n, " none");
	return n;
}

uint64_t cpu_features_cr4_bits(const struct cpu_features *f, bool allow_smep_smap)
{
	uint64_t cr4 = 0;
	/* CR4.MCE: a machine check raises #MC (reported) instead of shutting
	 * the processor down (Intel SDM vol. 3 §16.1, §2.5). */
	if (f->mce)
		cr4 |= CR4_MCE;
	if (f->pge)
		cr4 |= CR4_PGE;
	/* SSE state handled by FXSAVE/FXRSTOR and SIMD exceptions delivered as
	 * #XM (Intel SDM vol. 3 §2.5, §14.1.3). */
	if (f->fxsr && f->sse)
		cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT;
	if (f->xsave)
		cr4 |= CR4_OSXSAVE;
	if (allow_smep_smap) {
		if (f->smep)
			cr4 |= CR4_SMEP;
		if (f->smap)
			cr4 |= CR4_SMAP;
		if (f->umip)
			cr4 |= CR4_UMIP;
	}
	return cr4;
}

uint64_t cpu_features_xcr0(const struct cpu_features *f)
{
	uint64_t xcr0 = XCR0_X87;
	if (f->xcr0_supported & XCR0_SSE)
		xcr0 |= XCR0_SSE;
	if ((xcr0 & XCR0_SSE) && (f->xcr0_supported & XCR0_AVX))
		xcr0 |= XCR0_AVX;
	return xcr0;
}
