/* cpu_init.h - per-CPU bring-up of the CPU tables (arch/x86/cpu_init.c).
 * The BSP runs cpu_init_bsp() (include/x86/arch.h) before the page
 * allocator exists; each AP runs cpu_init_ap() first thing in C. */
#ifndef X86_CPU_INIT_H
#define X86_CPU_INIT_H

#include <plinth/compiler.h>

struct percpu;

/* On an AP, first thing after its stack is usable: allocate its IST stacks
 * (kstack_alloc, guard page below each), build and load its GDT and TSS,
 * point GS base at pc, load the shared IDT and enable the CPU features
 * (cpu_features_init). pc comes from percpu_of(); pc->apic_id should be
 * set by the caller. Does not set pc->online: the SMP code does that once
 * its own per-CPU setup (LAPIC) is done. Panics if the stacks cannot be
 * allocated (boot-time out of memory). */
void cpu_init_ap(struct percpu *pc);

/* On the BSP, once kstack_alloc() works (after paging_init): move the
 * BSP's NMI/#DF/#MC stacks from static storage to stacks with a guard page
 * below, so an overflow faults instead of corrupting .bss. On failure the
 * static stacks stay in use and a warning is logged. */
void cpu_ist_stacks_reinit_bsp(void);

#endif
