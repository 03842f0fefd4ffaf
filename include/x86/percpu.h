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

#endif
