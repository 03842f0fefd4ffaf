/* hlt.c - test guest: HLT that waits for the local APIC timer (plinth
 * blocks the host CPU until the virtual timer fires, vmm/exit_irq.c).
 * First the TSC is calibrated against the APIC timer's own count; then a
 * one-shot timer is armed, STI; HLT must return only after the handler
 * ran and after about the programmed time; an interrupt that is already
 * pending when HLT runs wakes it at once; then a periodic timer drives a
 * few HLTs, and stopping it stops the ticks. */
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

/* TSC ticks per 1000 APIC timer counts (divide 1), measured over 500000
 * counts (5 ms) of a masked free-running count-down. 32-bit arithmetic:
 * the guest has no 64-bit division (no libgcc), and 5 ms of TSC fit. */
static uint32_t tsc_per_kcount(void)
{
	uint32_t start, now;
	uint64_t t0, t1;

	apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | TIMER_VECTOR);
	apic_write(APIC_TIMER_ICR, 0xFFFFFFFFu);
	start = apic_read(APIC_TIMER_CCR);
	t0 = rdtsc();
	do
		now = apic_read(APIC_TIMER_CCR);
	while (start - now < 500000);
	t1 = rdtsc();
	apic_write(APIC_TIMER_ICR, 0);
	return (uint32_t)(t1 - t0) / ((start - now) / 1000);
}

/* elapsed as a percentage of expect, for failure details. */
static uint32_t percent(uint64_t elapsed, uint32_t expect)
{
	return (uint32_t)elapsed / (expect / 100 ? expect / 100 : 1);
}

uint32_t guest_main(uint32_t magic, uint32_t info)
{
	const uint32_t count = 1000000;   /* 10 ms at divide 1 (100 MHz) */
	uint32_t per_k, expect;
	uint64_t t0, t1, waited;

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

	/* One-shot: STI; HLT (the STI shadow covers HLT, so no interrupt
	 * can slip in between). */
	apic_write(APIC_LVT_TIMER, TIMER_VECTOR);
	t0 = rdtsc();
	apic_write(APIC_TIMER_ICR, count);
	__asm__ __volatile__("sti; hlt; cli" ::: "memory");
	t1 = rdtsc();
	guest_check(ticks == 1, "the timer handler ran before HLT returned", ticks);
	waited = t1 - t0;
	guest_check(waited * 10 >= (uint64_t)expect * 9, "HLT did not return early",
		    percent(waited, expect));
	guest_check(waited <= (uint64_t)expect * 5, "HLT returned within 5x the timer period",
		    percent(waited, expect));
	guest_check((tick_tsc - t0) * 10 >= (uint64_t)expect * 9,
		    "the interrupt came at the deadline", percent(tick_tsc - t0, expect));
	guest_check(apic_read(APIC_TIMER_CCR) == 0, "one-shot count is 0 after firing",
		    apic_read(APIC_TIMER_CCR));

	/* A pending interrupt wakes HLT at once. */
	apic_write(APIC_ICR_LOW, APIC_ICR_SELF | IPI_VECTOR);
	t0 = rdtsc();
	__asm__ __volatile__("sti; hlt; cli" ::: "memory");
	t1 = rdtsc();
	guest_check(ipis == 1, "HLT with an interrupt pending: the handler ran", ipis);
	guest_check(t1 - t0 < expect, "... and HLT returned at once", percent(t1 - t0, expect));

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
