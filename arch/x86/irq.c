/* irq.c - route every interrupt and exception isr.S delivers: exceptions
 * (vectors 0-31) to traps.c, everything else to the handler registered for
 * the vector, followed by the local APIC EOI. */
#include <plinth/log.h>
#include <x86/irq.h>
#include <x86/lapic.h>
#include <x86/percpu.h>
#include <x86/traps.h>

/* Written by irq_set_handler/irq_free_vector with atomics, read without a
 * lock by the dispatcher on any CPU. */
static irq_handler_fn handlers[NUM_VECTORS];
static uint64_t unexpected[NUM_VECTORS];
static uint64_t unexpected_total;

int irq_set_handler(unsigned vector, irq_handler_fn fn)
{
	if (vector < NUM_EXCEPTION_VECTORS || vector >= NUM_VECTORS || !fn) {
		pr_err("irq: cannot install a handler for vector %u (valid: %u-%u, non-NULL)",
		       vector, NUM_EXCEPTION_VECTORS, NUM_VECTORS - 1);
		return -EINVAL;
	}
	irq_handler_fn expected = NULL;
	if (!__atomic_compare_exchange_n(&handlers[vector], &expected, fn, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return -EBUSY;
	return 0;
}

int irq_alloc_vector(irq_handler_fn fn)
{
	if (!fn) {
		pr_err("irq: irq_alloc_vector needs a handler");
		return -EINVAL;
	}
	for (unsigned v = VEC_IRQ_BASE; v <= VEC_IRQ_LAST; v++) {
		irq_handler_fn expected = NULL;
		if (__atomic_compare_exchange_n(&handlers[v], &expected, fn, false,
						__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			return (int)v;
	}
	pr_err("irq: all device vectors 0x%x-0x%x are in use", VEC_IRQ_BASE, VEC_IRQ_LAST);
	return -ENOSPC;
}

void irq_free_vector(unsigned vector)
{
	if (vector < NUM_EXCEPTION_VECTORS || vector >= NUM_VECTORS) {
		pr_err("irq: cannot free vector %u", vector);
		return;
	}
	__atomic_store_n(&handlers[vector], NULL, __ATOMIC_RELEASE);
}

uint64_t irq_unexpected_count(void)
{
	return __atomic_load_n(&unexpected_total, __ATOMIC_RELAXED);
}

/* An interrupt nobody asked for: a misrouted device or a stale vector.
 * Logged at counts 1, 2, 4, 8, ... per vector so a storm cannot flood the
 * console, and acknowledged so the LAPIC keeps delivering lower-priority
 * vectors (Intel SDM vol. 3 §11.8.5). */
static void unexpected_vector(unsigned vector)
{
	uint64_t n = __atomic_add_fetch(&unexpected[vector], 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&unexpected_total, 1, __ATOMIC_RELAXED);
	if ((n & (n - 1)) == 0)
		pr_warn("irq: %s on vector 0x%x on CPU %u (%llu so far)",
			vector == VEC_SPURIOUS ? "spurious interrupt" : "unexpected interrupt",
			vector, this_cpu_id_checked(), (unsigned long long)n);
	if (vector != VEC_SPURIOUS && lapic_ready())
		lapic_eoi();
}

void irq_dispatch(struct irq_frame *frame)
{
	unsigned vector = (unsigned)frame->vector;
	if (vector < NUM_EXCEPTION_VECTORS) {
		trap_dispatch(frame);
		return;
	}
	irq_handler_fn fn = __atomic_load_n(&handlers[vector & 0xFF], __ATOMIC_ACQUIRE);
	if (!fn) {
		unexpected_vector(vector & 0xFF);
		return;
	}
	fn(frame);
	/* A spurious interrupt sets no in-service bit, so it takes no EOI
	 * (Intel SDM vol. 3 §11.9). */
	if (vector != VEC_SPURIOUS)
		lapic_eoi();
}
