/* gdt.c - build and load a CPU's GDT and 64-bit TSS (layout in gdt.h).
 * The tables live in the CPU's struct percpu (GDT) and a static array (TSS),
 * so the BSP can load them before any allocator exists. */
#include <plinth/string.h>
#include <x86/gdt.h>
#include <x86/percpu.h>

/* One TSS per CPU, 128-byte aligned so none straddles a page. */
static struct {
	struct tss tss;
} __aligned(128) tss_area[MAX_CPUS];

/* Code and data descriptors (Intel SDM vol. 3 §3.4.5, Figure 3-8): base 0,
 * limit 0xFFFFF pages (ignored in 64-bit mode), present, DPL 0, S=1.
 * Code: type 0xA (execute/read), L=1, D=0 (§5.2.1). Data: type 0x2 (read/write).
 * The same values as the boot GDT in boot/entry.S. */
#define DESC_KERNEL_CODE64 0x00AF9A000000FFFFULL
#define DESC_KERNEL_DATA   0x00CF92000000FFFFULL
#define DESC_TYPE_TSS_AVAILABLE 0x9ULL   /* 64-bit TSS, not busy (§3.5, Table 3-2) */
#define DESC_PRESENT       BIT(47)

_Static_assert(GDT_TSS / 8 + 2 <= sizeof(((struct percpu *)0)->gdt) / 8,
	       "the TSS descriptor's two slots fit in percpu.gdt");
_Static_assert(GDT_ENTRIES == GDT_TSS / 8 + 2, "GDT_ENTRIES counts the TSS's two slots");

/* The 16-byte TSS descriptor of 64-bit mode (Intel SDM vol. 3 §8.2.3,
 * Figure 8-4): base 63:0 split across both quadwords, limit 19:0. */
static void tss_descriptor(uint64_t out[2], uint64_t base, uint32_t limit)
{
	out[0] = (limit & 0xFFFFULL) | ((base & 0xFFFFFFULL) << 16) |
		 (DESC_TYPE_TSS_AVAILABLE << 40) | DESC_PRESENT |
		 ((uint64_t)(limit >> 16) & 0xF) << 48 | ((base >> 24) & 0xFF) << 56;
	out[1] = base >> 32;
}

void tss_update_ist(struct percpu *pc)
{
	struct tss *tss = pc->tss;
	/* IST slot n is ist[n - 1]; the CPU loads RSP from it on delivery. */
	tss->ist[IST_NMI - 1] = (uint64_t)(uintptr_t)pc->ist_top[IST_NMI - 1];
	tss->ist[IST_DF - 1] = (uint64_t)(uintptr_t)pc->ist_top[IST_DF - 1];
	tss->ist[IST_MC - 1] = (uint64_t)(uintptr_t)pc->ist_top[IST_MC - 1];
}

void gdt_init_cpu(struct percpu *pc)
{
	struct tss *tss = &tss_area[pc->cpu_id].tss;
	memset(tss, 0, sizeof(*tss));
	/* An I/O map base at or beyond the limit means "no bitmap" (§20.5.2):
	 * irrelevant at CPL 0, but never let the CPU read past the TSS. */
	tss->iomap_base = sizeof(*tss);
	pc->tss = tss;
	tss_update_ist(pc);

	memset(pc->gdt, 0, sizeof(pc->gdt));
	pc->gdt[GDT_KERNEL_CS / 8] = DESC_KERNEL_CODE64;
	pc->gdt[GDT_KERNEL_DS / 8] = DESC_KERNEL_DATA;
	tss_descriptor(&pc->gdt[GDT_TSS / 8], (uint64_t)(uintptr_t)tss, sizeof(*tss) - 1);

	struct {
		uint16_t limit;
		uint64_t base;
	} __packed gdtr = { GDT_ENTRIES * 8 - 1, (uint64_t)(uintptr_t)pc->gdt };

	/* Load GDTR, reload CS with a far return (MOV cannot load CS, §3.4.3)
	 * and the data segments. FS/GS get the null selector; loading GS
	 * clears GS base, which the caller sets afterwards. */
	__asm__ __volatile__(
		"lgdt %[gdtr]\n\t"
		"pushq %[cs]\n\t"
		"leaq 1f(%%rip), %%rax\n\t"
		"pushq %%rax\n\t"
		"lretq\n"
		"1:\n\t"
		"movl %[ds], %%eax\n\t"
		"movl %%eax, %%ds\n\t"
		"movl %%eax, %%es\n\t"
		"movl %%eax, %%ss\n\t"
		"xorl %%eax, %%eax\n\t"
		"movl %%eax, %%fs\n\t"
		"movl %%eax, %%gs\n\t"
		:
		: [gdtr] "m"(gdtr), [cs] "i"(GDT_KERNEL_CS), [ds] "i"(GDT_KERNEL_DS)
		: "rax", "memory");
	/* LTR marks the descriptor busy (§8.2.4); it is loaded once per CPU. */
	__asm__ __volatile__("ltr %w0" :: "r"(GDT_TSS) : "memory");
}
