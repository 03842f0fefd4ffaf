/* cpu_init.c - load a CPU's own tables: per-CPU area (GS base), GDT with
 * TSS and interrupt stacks, the shared IDT. The BSP does it before any
 * allocator exists (static stacks); each AP at the start of its life. */
#include <plinth/log.h>
#include <plinth/mm.h>
#include <plinth/panic.h>
#include <x86/arch.h>
#include <x86/cpu.h>
#include <x86/cpu_init.h>
#include <x86/gdt.h>
#include <x86/irq.h>
#include <x86/percpu.h>

extern char boot_stack_top[];   /* boot/entry.S */

/* The BSP's NMI, #DF and #MC stacks until cpu_ist_stacks_reinit_bsp(). */
static uint8_t bsp_ist_stacks[IST_COUNT][IST_STACK_SIZE] __aligned(16);

/* This CPU's initial APIC ID from CPUID: the x2APIC ID of leaf 0xB when
 * that leaf exists, else the 8-bit ID of leaf 1 (Intel SDM vol. 3
 * §11.4.6, §11.12.8). The LAPIC code may refine it. */
static uint32_t cpuid_apic_id(void)
{
	uint32_t a, b, c, d, max;
	cpuid(0, &max, &b, &c, &d);
	if (max >= 0xB) {
		cpuid_count(0xB, 0, &a, &b, &c, &d);
		if (b != 0)   /* leaf 0xB valid: EBX non-zero at sub-leaf 0 */
			return d;
	}
	cpuid(1, &a, &b, &c, &d);
	return b >> 24;
}

void cpu_init_bsp(void)
{
	struct percpu *pc = percpu_of(0);
	pc->apic_id = cpuid_apic_id();
	pc->stack_top = boot_stack_top;   /* setup.c moves to a guarded stack later */
	for (unsigned i = 0; i < IST_COUNT; i++)
		pc->ist_top[i] = bsp_ist_stacks[i] + IST_STACK_SIZE;
	idt_init();
	gdt_init_cpu(pc);
	percpu_load_gs(pc);   /* after gdt_init_cpu: loading GS clears GS base */
	idt_load();
	WRITE_ONCE(pc->online, true);
	pr_info("cpu: BSP (APIC ID %u): GDT, TSS with NMI/#DF/#MC stacks, IDT loaded",
		pc->apic_id);
}

void cpu_ist_stacks_reinit_bsp(void)
{
	struct percpu *pc = this_cpu();
	void *tops[IST_COUNT];
	if (pc->cpu_id != 0) {
		pr_err("cpu: cpu_ist_stacks_reinit_bsp called on CPU %u; ignored", pc->cpu_id);
		return;
	}
	for (unsigned i = 0; i < IST_COUNT; i++) {
		tops[i] = kstack_alloc(IST_STACK_PAGES);
		if (!tops[i]) {
			/* The ones already allocated stay unused (there is no
			 * kstack_free): a few pages, once, when memory ran out. */
			pr_warn("cpu: no memory for guarded NMI/#DF/#MC stacks; the BSP keeps "
				"its static ones");
			return;
		}
	}
	/* An NMI arriving while these are swapped uses either the old stack
	 * (still valid: static) or the new one; both are complete. */
	uint64_t flags = irq_save();
	for (unsigned i = 0; i < IST_COUNT; i++)
		pc->ist_top[i] = tops[i];
	tss_update_ist(pc);
	irq_restore(flags);
}

void cpu_init_ap(struct percpu *pc)
{
	/* GS first, so a panic below names this CPU; then the IDT, so an
	 * exception is reported rather than a triple fault. */
	percpu_load_gs(pc);
	idt_load();
	for (unsigned i = 0; i < IST_COUNT; i++) {
		pc->ist_top[i] = kstack_alloc(IST_STACK_PAGES);
		if (!pc->ist_top[i])
			panic("cpu: no memory for CPU %u's interrupt stacks", pc->cpu_id);
	}
	gdt_init_cpu(pc);
	percpu_load_gs(pc);   /* gdt_init_cpu loaded the null GS selector */
	cpu_features_init();
}
