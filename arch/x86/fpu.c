/* fpu.c - saving and restoring the guest register state VM entry and exit
 * leave in the CPU: the XSAVE-managed state (x87, SSE, AVX, ...; Intel SDM
 * vol. 1 ch. 13) and DR0-DR3/DR6 (SDM vol. 3 §18.2). The scheduler's
 * switch hooks (vmm/vcpu.c) call these, so a guest never observes
 * another guest's registers. */
#include <plinth/log.h>
#include <plinth/mm.h>
#include <plinth/string.h>
#include <x86/cpu.h>
#include <x86/fpu.h>

/* Legacy region layout (SDM vol. 1 §10.5.1 Table 10-2): FCW at 0, MXCSR
 * at 24; the XSAVE header's XSTATE_BV at 512 (§13.4.2). */
#define FXSAVE_SIZE       512
#define FX_FCW            0
#define FX_MXCSR          24
#define FCW_RESET         0x037F   /* SDM vol. 1 §8.1.5, FINIT */
#define MXCSR_RESET       0x1F80   /* SDM vol. 1 §10.2.3.1 */
#define XSAVE_HEADER_SIZE 64

static enum { FPU_NONE, FPU_FXSAVE, FPU_XSAVE } fpu_mode;
static size_t area_size;
static uint64_t save_mask;        /* XSAVE requested-feature bitmap: the host's XCR0 */

static uint64_t xgetbv0(void)
{
	uint32_t lo, hi;
	__asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((uint64_t)hi << 32) | lo;
}

void fpu_init(void)
{
	uint32_t a, b, c, d;

	if (read_cr4() & CR4_OSXSAVE) {
		/* CPUID.(EAX=0DH,ECX=0).EBX: the size XSAVE needs for the
		 * components enabled in XCR0 now (SDM vol. 1 §13.2). Guests can
		 * only enable a subset of the host's XCR0 (cpuid_policy,
		 * xsetbv_check), so saving the host's set saves theirs. */
		save_mask = xgetbv0();
		cpuid_count(0xD, 0, &a, &b, &c, &d);
		fpu_mode = FPU_XSAVE;
		area_size = MAX((size_t)b, (size_t)FXSAVE_SIZE + XSAVE_HEADER_SIZE);
		pr_info("fpu: guest state saved with XSAVE, XCR0 0x%llx, %zu bytes per vCPU",
			(unsigned long long)save_mask, area_size);
	} else if (read_cr4() & CR4_OSFXSR) {
		fpu_mode = FPU_FXSAVE;
		area_size = FXSAVE_SIZE;
		pr_info("fpu: guest state saved with FXSAVE, %zu bytes per vCPU", area_size);
	} else {
		fpu_mode = FPU_NONE;
		area_size = 0;
		pr_warn("fpu: neither XSAVE nor FXSAVE enabled: guest FPU state is not switched");
	}
}

size_t fpu_area_size(void)
{
	return area_size;
}

/* Areas are page blocks: XSAVE needs 64-byte alignment (SDM vol. 1
 * §13.4), FXSAVE 16. */
static unsigned area_order(void)
{
	unsigned order = 0;
	while (((size_t)PAGE_SIZE << order) < area_size)
		order++;
	return order;
}

struct fpu_area *fpu_area_alloc(void)
{
	paddr_t pa;
	uint8_t *p;

	if (fpu_mode == FPU_NONE)
		return (struct fpu_area *)kzalloc(16);   /* a token: nothing to switch */
	pa = page_alloc_zeroed(area_order());
	if (!pa)
		return NULL;
	p = phys_to_virt(pa);
	/* With XSTATE_BV = 0 XRSTOR puts every component in its initial
	 * configuration (§13.8.1); MXCSR is loaded from the legacy region
	 * whenever SSE or AVX is requested, so it holds the reset value. */
	*(uint16_t *)(p + FX_FCW) = FCW_RESET;
	*(uint32_t *)(p + FX_MXCSR) = MXCSR_RESET;
	return (struct fpu_area *)p;
}

void fpu_area_free(struct fpu_area *a)
{
	if (!a)
		return;
	if (fpu_mode == FPU_NONE)
		kfree(a);
	else
		page_free(virt_to_phys(a), area_order());
}

void fpu_save(struct fpu_area *a)
{
	uint32_t lo = (uint32_t)save_mask, hi = (uint32_t)(save_mask >> 32);

	switch (fpu_mode) {
	case FPU_XSAVE:
		__asm__ __volatile__("xsave64 (%0)" :: "r"(a), "a"(lo), "d"(hi) : "memory");
		break;
	case FPU_FXSAVE:
		__asm__ __volatile__("fxsave64 (%0)" :: "r"(a) : "memory");
		break;
	case FPU_NONE:
		break;
	}
}

void fpu_restore(const struct fpu_area *a)
{
	uint32_t lo = (uint32_t)save_mask, hi = (uint32_t)(save_mask >> 32);

	switch (fpu_mode) {
	case FPU_XSAVE:
		__asm__ __volatile__("xrstor64 (%0)" :: "r"(a), "a"(lo), "d"(hi) : "memory");
		break;
	case FPU_FXSAVE:
		__asm__ __volatile__("fxrstor64 (%0)" :: "r"(a) : "memory");
		break;
	case FPU_NONE:
		break;
	}
}

void debug_regs_save(struct debug_regs *d)
{
	__asm__ __volatile__("mov %%dr0, %0" : "=r"(d->dr[0]));
	__asm__ __volatile__("mov %%dr1, %0" : "=r"(d->dr[1]));
	__asm__ __volatile__("mov %%dr2, %0" : "=r"(d->dr[2]));
	__asm__ __volatile__("mov %%dr3, %0" : "=r"(d->dr[3]));
	__asm__ __volatile__("mov %%dr6, %0" : "=r"(d->dr6));
}

void debug_regs_restore(const struct debug_regs *d)
{
	__asm__ __volatile__("mov %0, %%dr0" :: "r"(d->dr[0]));
	__asm__ __volatile__("mov %0, %%dr1" :: "r"(d->dr[1]));
	__asm__ __volatile__("mov %0, %%dr2" :: "r"(d->dr[2]));
	__asm__ __volatile__("mov %0, %%dr3" :: "r"(d->dr[3]));
	__asm__ __volatile__("mov %0, %%dr6" :: "r"(d->dr6));
}

void debug_regs_reset(struct debug_regs *d)
{
	memset(d, 0, sizeof(*d));
	d->dr6 = 0xFFFF0FF0;
}
