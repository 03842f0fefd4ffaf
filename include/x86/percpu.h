/* percpu.h - per-CPU data, reached through GS base (GS:0 holds the
 * structure's own address). cpu_id is the dense logical index (BSP = 0). */
#ifndef X86_PERCPU_H
#define X86_PERCPU_H

#include <plinth/compiler.h>

#define MAX_CPUS 64

struct tss;

struct percpu {
	struct percpu *self;      /* must stay at offset 0: this_cpu() reads %gs:0 */
	uint32_t cpu_id;          /* logical index, 0 = bootstrap processor */
	uint32_t apic_id;         /* local APIC ID (x2APIC ID when in x2APIC mode) */
	volatile bool online;     /* set by the CPU itself once fully initialised */
	void *stack_top;          /* kernel stack (guard page below) */
	void *ist_top[3];         /* IST stacks: NMI, #DF, #MC */
	uint64_t gdt[16] __aligned(16);  /* this CPU's GDT (TSS descriptor included) */
	struct tss *tss;
	uint64_t lapic_ticks_per_ms;     /* LAPIC timer calibration (shared value) */
	volatile uint64_t timer_irqs;    /* LAPIC timer interrupts taken */
	void *vmm;                /* the virtualization backend's per-CPU state */
	void *sched;              /* the scheduler's per-CPU run queue */
};
_Static_assert(offsetof(struct percpu, self) == 0, "this_cpu() reads %gs:0");

static inline struct percpu *this_cpu(void)
{
	struct percpu *p;
	__asm__ __volatile__("mov %%gs:0, %0" : "=r"(p));
	return p;
}

/* NULL if no such CPU was found in the MADT. */
struct percpu *percpu_of(unsigned cpu_id);
/* CPUs that completed their bring-up (includes the BSP). */
unsigned cpu_online_count(void);
/* CPUs listed as enabled in the MADT (or 1 when there is no ACPI). */
unsigned cpu_possible_count(void);

/* ---- arch/x86/percpu.c, for the bring-up code ---- */
/* The SMP code sets the number of CPUs found in the MADT (cpu ids 0..n-1
 * become valid for percpu_of). n is clamped to 1..MAX_CPUS (a warning says
 * which CPUs are ignored); returns the number kept. */
unsigned percpu_set_possible(unsigned n);
/* Point this CPU's GS base (IA32_GS_BASE, Intel SDM vol. 3 §3.4.4.1) at pc,
 * so this_cpu() returns it. Must follow any load of the GS selector, which
 * overwrites the base. */
void percpu_load_gs(struct percpu *pc);
/* this_cpu() for paths that must work in any state (panic, exceptions):
 * NULL when GS base does not point at a per-CPU area (before cpu_init_bsp,
 * or corrupted). */
struct percpu *this_cpu_checked(void);
/* This CPU's logical id for reports: 0 when this_cpu_checked() is NULL. */
unsigned this_cpu_id_checked(void);

#endif
