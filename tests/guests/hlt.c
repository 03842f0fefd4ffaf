/* hlt.c - test guest: HLT that waits for the local APIC timer (plinth
 * blocks the host CPU until the virtual timer fires, vmm/exit_irq.c).
 * First the TSC is calibrated against the APIC timer's own count; then a
 * one-shot timer is armed, STI; HLT must return only after the handler
 * ran and not before the programmed time; an interrupt that is already
 * pending when HLT runs wakes it at once; then a periodic timer drives a
 * few HLTs, and stopping it stops the ticks.
 *
 * In QEMU every clock the guest can read (TSC, APIC timer, PM timer)
 * follows host wall-clock time, so a host that deschedules QEMU's vCPU
 * thread makes anything look late, and a stall inside a measurement
 * skews it. The checks are therefore built so that host stalls cannot
 * fail them and plinth's own faults still do: each TSC reading of the
 * APIC count is bracketed by RDTSCs and a calibration whose brackets are
 * wide (a stall fell into one) is taken again; "not early" bounds hold
 * whatever the stalls (they only lengthen waits); how late a wake-up is
 * is judged on the best of several one-shot HLTs (plinth's systematic
 * lateness - the host timer armed wrongly, a wake-up only at the next
 * slice or host event - shows in every one of them, a host stall only in
 * some); "at once" is judged in timer ticks: the HLT must return before
 * a long timer, its only other wake-up source, fires. */
#include "apic_regs.h"
#include "guest.h"

#define TIMER_VECTOR 0x40
#define IPI_VECTOR   0x41

static volatile uint32_t ticks, ipis;
static volatile uint64_t tick_tsc;

void on_timer(void);
void on_timer(void)
{
	tick_tsc = rdtsc();
	ticks++;
	apic_write(APIC_EOI, 0);
}
GUEST_IRQ_STUB(timer_stub, on_timer);

void on_ipi(void);
void on_ipi(void)
{
	ipis++;
	apic_write(APIC_EOI, 0);
}
GUEST_IRQ_STUB(ipi_stub, on_ipi);

/* The APIC timer's current count and the TSC just before and after the
 * read (an MMIO exit to plinth, which computes the count in between). */
static uint32_t ccr_bracketed(uint64_t *before, uint64_t *after)
{
	uint32_t count;

	*before = rdtsc();
	count = apic_read(APIC_TIMER_CCR);
	*after = rdtsc();
	return count;
}

#define CAL_MIN_COUNTS 500000u     /* 5 ms of APIC timer counts at divide 1 */
#define CAL_MAX_COUNTS 20000000u   /* 200 ms: a try that needs more starts again */
#define CAL_TRIES      20u

/* TSC ticks per 1000 APIC timer counts (divide 1), from a masked
 * free-running count-down; 0 if no try was clean. The span runs from the
 * midpoint of the first reading's TSC bracket to that of a later one,
 * over at least CAL_MIN_COUNTS counts and until the two brackets together
 * are under 1/50 of it (the ratio is then within 1%): a host stall inside
 * a bracket would otherwise skew the ratio either way (seen under load:
 * 30% and 1900% of the true period), and in Bochs, where an exit costs
 * much virtual time, the span grows until the exits' share is small. A
 * stall in the first bracket makes the try start again after
 * CAL_MAX_COUNTS. 32-bit division: the guest has no libgcc. */
static uint32_t tsc_per_kcount(void)
{
	for (uint32_t i = 0; i < CAL_TRIES; i++) {
		uint64_t t0a, t0b, t1a, t1b, span;
		uint32_t start, delta;

		apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | TIMER_VECTOR);
		apic_write(APIC_TIMER_ICR, 0xFFFFFFFFu);
		start = ccr_bracketed(&t0a, &t0b);
		do {
			delta = start - ccr_bracketed(&t1a, &t1b);
			span = (t1a + t1b) / 2 - (t0a + t0b) / 2;
			if (delta >= CAL_MIN_COUNTS && (t0b - t0a + t1b - t1a) * 50 <= span &&
			    !(span >> 32)) {
				apic_write(APIC_TIMER_ICR, 0);
				return (uint32_t)span / (delta / 1000);
			}
		} while (delta < CAL_MAX_COUNTS);
		apic_write(APIC_TIMER_ICR, 0);
	}
	return 0;
}

/* One-shot: arm the timer for count, STI; HLT (the STI shadow covers HLT,
 * so no interrupt can slip in between); *waited and *to_irq are TSC ticks
 * from before the arming to HLT's return and to the handler. Returns the
 * ticks the handler counted meanwhile. */
static uint32_t oneshot_hlt(uint32_t count, uint64_t *waited, uint64_t *to_irq)
{
	uint32_t before = ticks;
	uint64_t t0;

	apic_write(APIC_LVT_TIMER, TIMER_VECTOR);
	t0 = rdtsc();
	apic_write(APIC_TIMER_ICR, count);
	__asm__ __volatile__("sti; hlt; cli" ::: "memory");
	*waited = rdtsc() - t0;
	*to_irq = tick_tsc - t0;
	return ticks - before;
}

#define ONESHOT_RUNS 5u

/* elapsed as a percentage of expect, for failure details. */
static uint32_t percent(uint64_t elapsed, uint32_t expect)
{
	return (uint32_t)elapsed / (expect / 100 ? expect / 100 : 1);
}

uint32_t guest_main(uint32_t magic, uint32_t info)
{
	const uint32_t count = 1000000;   /* 10 ms at divide 1 (100 MHz) */
	uint32_t per_k, expect;
	uint64_t t0, t1;

	(void)magic;
	(void)info;
	guest_puts("hlt guest: HLT woken by the local APIC timer\n");
	guest_idt_init();
	guest_set_irq_handler(TIMER_VECTOR, timer_stub);
	guest_set_irq_handler(IPI_VECTOR, ipi_stub);
	apic_write(APIC_SVR, APIC_SVR_ENABLE | 0xFF);
	apic_write(APIC_TIMER_DCR, APIC_DCR_DIV1);

	per_k = tsc_per_kcount();
	guest_check(per_k > 0, "TSC calibrated against the APIC timer", per_k);
	expect = per_k * (count / 1000);

	/* One-shot, ONESHOT_RUNS times: every HLT returns after its
	 * handler ran and not before the deadline; the best of them came
	 * within 5 periods. */
	{
		uint64_t best = ~0ULL, early = ~0ULL, waited, to_irq;
		uint32_t runs_ok = 0;

		for (uint32_t i = 0; i < ONESHOT_RUNS; i++) {
			uint32_t n = oneshot_hlt(count, &waited, &to_irq);
			runs_ok += n == 1;
			best = waited < best ? waited : best;
			early = to_irq < early ? to_irq : early;
			early = waited < early ? waited : early;
		}
		guest_check(runs_ok == ONESHOT_RUNS,
			    "the timer handler ran once before each HLT returned", runs_ok);
		guest_check(early * 10 >= (uint64_t)expect * 9,
			    "HLT did not return early, the interrupt came at the deadline",
			    percent(early, expect));
		guest_check(best <= (uint64_t)expect * 5,
			    "HLT returned within 5x the timer period (best of 5)", percent(best, expect));
		guest_check(apic_read(APIC_TIMER_CCR) == 0, "one-shot count is 0 after firing",
			    apic_read(APIC_TIMER_CCR));
	}

	/* A pending interrupt wakes HLT at once: before a 1 s one-shot timer
	 * armed first (the only other wake-up source) fires. */
	ticks = 0;
	apic_write(APIC_LVT_TIMER, TIMER_VECTOR);
	apic_write(APIC_TIMER_ICR, 100 * count);
	apic_write(APIC_ICR_LOW, APIC_ICR_SELF | IPI_VECTOR);
	t0 = rdtsc();
	__asm__ __volatile__("sti; hlt; cli" ::: "memory");
	t1 = rdtsc();
	guest_check(ipis == 1, "HLT with an interrupt pending: the handler ran", ipis);
	guest_check(ticks == 0 && apic_read(APIC_TIMER_CCR) != 0,
		    "... and HLT returned at once (before the 1 s timer)", percent(t1 - t0, expect));
	apic_write(APIC_TIMER_ICR, 0);
	__asm__ __volatile__("sti; nop; cli");

	/* Periodic: 10 ms periods, three HLTs. Each HLT returns after at least
	 * one tick; a slow host may let a period pass between them, so more
	 * ticks are allowed. */
	ticks = 0;
	apic_write(APIC_LVT_TIMER, APIC_LVT_PERIODIC | TIMER_VECTOR);
	t0 = rdtsc();
	apic_write(APIC_TIMER_ICR, count);
	for (int i = 0; i < 3; i++)
		__asm__ __volatile__("sti; hlt; cli" ::: "memory");
	t1 = rdtsc();
	guest_check(ticks >= 3, "periodic timer: three HLTs, at least three ticks", ticks);
	guest_check((t1 - t0) * 10 >= (uint64_t)expect * 27, "three periods elapsed",
		    percent(t1 - t0, expect));
	guest_check(apic_read(APIC_TIMER_CCR) != 0, "periodic count reloads",
		    apic_read(APIC_TIMER_CCR));

	/* Stopping the timer stops the ticks (spin for 3 periods, IF=1). An
	 * expiry before the stop may still wait in IRR: take it first. */
	apic_write(APIC_TIMER_ICR, 0);
	__asm__ __volatile__("sti; nop; cli");
	ticks = 0;
	__asm__ __volatile__("sti");
	for (t0 = rdtsc(); rdtsc() - t0 < (uint64_t)expect * 3;)
		__asm__ __volatile__("pause");
	__asm__ __volatile__("cli");
	guest_check(ticks == 0, "no ticks after the initial count is set to 0", ticks);
	return guest_summary();
}
