/* sched.c - test guest for the VM scheduler (vmm/vm_sched.c); what it does
 * is chosen by its Multiboot command line (vms.cfg cmdline=):
 *
 *   mode=count     count loop iterations for WINDOW_MS of the virtual APIC
 *                  timer (after a warm-up so every VM of the test runs),
 *                  print
 *                  "count N": the boot test compares the counts of VMs
 *                  with weights 1:2:4 on one CPU.
 *   mode=spin      spin with interrupts disabled for SPIN_MS: a scheduler
 *                  that only takes the CPU back through interrupts would
 *                  never run anything else. Counts the TSC gaps (times it
 *                  was preempted) and requires some.
 *   mode=counter   next to the spinner: count in COUNTER_WINDOWS windows of
 *                  WINDOW_STEP_MS; every window must see progress.
 *   mode=fpu seed=N  fill x87 control word, MXCSR, XMM0-7 (and YMM0-7 when
 *                  the CPU offers AVX) with a pattern of seed N, spin, read
 *                  them back: over FPU_MS with other such VMs on the same
 *                  CPU, the registers must never change under it while
 *                  it is preempted (about a thousand times with 1 ms
 *                  slices in Bochs).
 *
 * Time: the TSC (never intercepted) is calibrated against the local APIC
 * timer (100 MHz, vmm/vlapic.h), both following host time, so the
 * calibration holds even when the VM is descheduled meanwhile. */
#include "apic_regs.h"
#include "guest.h"

#define WARMUP_MS        200
#define WINDOW_MS        1500
#define SPIN_MS          1500
#define WINDOW_STEP_MS   250
#define COUNTER_WINDOWS  6
#define FPU_MS           1500
#define GAP_US           300     /* a TSC jump this long: the vCPU was off the CPU */

struct mb_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline;
};

static uint32_t tsc_per_ms;

/* One reading of the APIC timer's current count with the TSC just before
 * and after it; the reading is good when the two are close (the vCPU was
 * not descheduled around the MMIO exit). */
struct sample {
	uint64_t tsc_before, tsc_after;
	uint32_t count;
};

static void sample(struct sample *s)
{
	s->tsc_before = rdtsc();
	s->count = apic_read(APIC_TIMER_CCR);
	s->tsc_after = rdtsc();
}

/* TSC ticks per ms: over 500000 APIC timer counts at divide 1 (5 ms).
 * A reading taken while the scheduler switched the vCPU out would skew
 * the ratio: retried until both readings are tight (within 1 % of the
 * interval). */
static void calibrate(void)
{
	struct sample a, b;

	apic_write(APIC_SVR, APIC_SVR_ENABLE | 0xFF);
	apic_write(APIC_TIMER_DCR, APIC_DCR_DIV1);
	apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | 0x40);
	for (unsigned tries = 0; tries < 50; tries++) {
		uint64_t span, slack;

		apic_write(APIC_TIMER_ICR, 0xFFFFFFFFu);
		sample(&a);
		do
			sample(&b);
		while (a.count - b.count < 500000);
		span = b.tsc_after - a.tsc_before;
		slack = (a.tsc_after - a.tsc_before) + (b.tsc_after - b.tsc_before);
		tsc_per_ms = (uint32_t)(b.tsc_before + (b.tsc_after - b.tsc_before) / 2 -
					a.tsc_before - (a.tsc_after - a.tsc_before) / 2) /
			     ((a.count - b.count) / 100000);
		if (slack * 100 < span)
			break;
	}
	apic_write(APIC_TIMER_ICR, 0);
}

static uint64_t ms_to_tsc(uint32_t ms)
{
	return (uint64_t)tsc_per_ms * ms;
}

/* "key=" value in the command line as a number (0 if absent). */
static uint32_t cmd_number(const char *cmd, const char *key)
{
	for (const char *p = cmd; p && *p; p++) {
		const char *k = key, *q = p;
		while (*k && *q == *k) {
			k++;
			q++;
		}
		if (!*k) {
			uint32_t n = 0;
			while (*q >= '0' && *q <= '9')
				n = n * 10 + (uint32_t)(*q++ - '0');
			return n;
		}
	}
	return 0;
}

static bool cmd_has(const char *cmd, const char *word)
{
	for (const char *p = cmd; p && *p; p++) {
		const char *w = word, *q = p;
		while (*w && *q == *w) {
			w++;
			q++;
		}
		if (!*w && (*q == 0 || *q == ' '))
			return true;
	}
	return false;
}

static void put_line_dec(const char *what, uint32_t n)
{
	guest_puts(what);
	guest_put_dec(n);
	guest_puts("\n");
}

/* The APIC timer ends the phases of mode=count: its interrupt sets
 * timer_fired (the count loop itself makes no exits). */
#define TIMER_VECTOR 0x40
static volatile uint32_t timer_fired;

void on_timer(void);
void on_timer(void)
{
	timer_fired = 1;
	apic_write(APIC_EOI, 0);
}
GUEST_IRQ_STUB(timer_stub, on_timer);

/* Arm the one-shot APIC timer for ms (100 MHz at divide 1, so up to 42 s). */
static void timer_arm_ms(uint32_t ms)
{
	timer_fired = 0;
	apic_write(APIC_LVT_TIMER, TIMER_VECTOR);
	apic_write(APIC_TIMER_ICR, ms * 100000u);
}

/* Count for WINDOW_MS of host time as the virtual APIC timer measures it
 * (after WARMUP_MS, so every VM of the test runs by then): the count is
 * this VM's CPU share times the loop's speed. */
static void mode_count(void)
{
	volatile uint32_t n = 0;

	guest_idt_init();
	guest_set_irq_handler(TIMER_VECTOR, timer_stub);
	__asm__ __volatile__("sti");
	timer_arm_ms(WARMUP_MS);
	while (!timer_fired)
		;
	timer_arm_ms(WINDOW_MS);
	while (!timer_fired)
		n++;
	__asm__ __volatile__("cli");
	put_line_dec("count ", n);
	guest_check(n > 0, "counted for the window", n);
}

/* Spin until end with IF as it is, counting TSC gaps longer than GAP_US. */
static uint32_t spin_count_gaps(uint64_t end)
{
	uint64_t gap = tsc_per_ms / 1000 * GAP_US, prev = rdtsc(), now;
	uint32_t gaps = 0;

	while ((now = rdtsc()) < end) {
		if (now - prev > gap)
			gaps++;
		prev = now;
	}
	return gaps;
}

static void mode_spin(void)
{
	uint32_t gaps, flags;

	uint32_t c0, c1;
	uint64_t t0, t1;
	apic_write(APIC_TIMER_ICR, 0xFFFFFFFFu);
	c0 = apic_read(APIC_TIMER_CCR);
	t0 = rdtsc();
	__asm__ __volatile__("cli");
	gaps = spin_count_gaps(rdtsc() + ms_to_tsc(SPIN_MS));
	__asm__ __volatile__("pushf; pop %0; sti" : "=r"(flags));
	t1 = rdtsc();
	c1 = apic_read(APIC_TIMER_CCR);
	/* The spin is as long by the APIC timer as by the TSC. */
	put_line_dec("spin: TSC ticks/1024: ", (uint32_t)((t1 - t0) >> 10));
	put_line_dec("spin: APIC timer counts/1024: ", (c0 - c1) >> 10);
	put_line_dec("preempted with interrupts disabled: ", gaps);
	guest_check(!(flags & 0x200), "spun with IF=0", flags);
	guest_check(gaps >= 10, "preempted at least 10 times while spinning with IF=0", gaps);
}

static void mode_counter(void)
{
	uint32_t advanced = 0, counts[COUNTER_WINDOWS];
	uint64_t end = rdtsc() + ms_to_tsc(WARMUP_MS / 2);

	while (rdtsc() < end)
		;
	for (unsigned w = 0; w < COUNTER_WINDOWS; w++) {
		volatile uint32_t n = 0;
		end += ms_to_tsc(WINDOW_STEP_MS);
		while (rdtsc() < end)
			n++;
		counts[w] = n;
		advanced += n > 0;
	}
	for (unsigned w = 0; w < COUNTER_WINDOWS; w++)
		put_line_dec("window count ", counts[w]);
	guest_check(advanced == COUNTER_WINDOWS, "the counter advanced in every window next to "
		    "an IF=0 spinner", advanced);
}

/* ---- FPU/SSE/AVX ---- */
static bool has_avx;

/* Let the guest use SSE (CR0.EM=0, MP=1; CR4.OSFXSR/OSXMMEXCPT) and, with
 * XSAVE and AVX, AVX state (CR4.OSXSAVE, XCR0 = x87|SSE|AVX; SDM vol. 1
 * §13.3). */
static void fpu_enable(void)
{
	uint32_t r[4], cr0, cr4;

	cpuid(1, 0, r);
	__asm__ __volatile__("mov %%cr0, %0" : "=r"(cr0));
	cr0 = (cr0 & ~4u) | 2u;
	__asm__ __volatile__("mov %0, %%cr0" :: "r"(cr0));
	__asm__ __volatile__("mov %%cr4, %0" : "=r"(cr4));
	cr4 |= (1u << 9) | (1u << 10);
	has_avx = (r[2] & (1u << 26)) && (r[2] & (1u << 28));
	if (has_avx)
		cr4 |= 1u << 18;
	__asm__ __volatile__("mov %0, %%cr4" :: "r"(cr4));
	if (has_avx)
		__asm__ __volatile__("xsetbv" :: "c"(0), "a"(7), "d"(0));
	__asm__ __volatile__("fninit");
}

static uint8_t want[8 * 32] __attribute__((aligned(32)));
static uint8_t got[8 * 32] __attribute__((aligned(32)));

static void load_vectors(const uint8_t *p)
{
	if (has_avx)
		__asm__ __volatile__(
			"vmovdqu 0(%0), %%ymm0\n\tvmovdqu 32(%0), %%ymm1\n\t"
			"vmovdqu 64(%0), %%ymm2\n\tvmovdqu 96(%0), %%ymm3\n\t"
			"vmovdqu 128(%0), %%ymm4\n\tvmovdqu 160(%0), %%ymm5\n\t"
			"vmovdqu 192(%0), %%ymm6\n\tvmovdqu 224(%0), %%ymm7" :: "r"(p) : "memory");
	else
		__asm__ __volatile__(
			"movdqu 0(%0), %%xmm0\n\tmovdqu 32(%0), %%xmm1\n\t"
			"movdqu 64(%0), %%xmm2\n\tmovdqu 96(%0), %%xmm3\n\t"
			"movdqu 128(%0), %%xmm4\n\tmovdqu 160(%0), %%xmm5\n\t"
			"movdqu 192(%0), %%xmm6\n\tmovdqu 224(%0), %%xmm7" :: "r"(p) : "memory");
}

static void store_vectors(uint8_t *p)
{
	if (has_avx)
		__asm__ __volatile__(
			"vmovdqu %%ymm0, 0(%0)\n\tvmovdqu %%ymm1, 32(%0)\n\t"
			"vmovdqu %%ymm2, 64(%0)\n\tvmovdqu %%ymm3, 96(%0)\n\t"
			"vmovdqu %%ymm4, 128(%0)\n\tvmovdqu %%ymm5, 160(%0)\n\t"
			"vmovdqu %%ymm6, 192(%0)\n\tvmovdqu %%ymm7, 224(%0)" :: "r"(p) : "memory");
	else
		__asm__ __volatile__(
			"movdqu %%xmm0, 0(%0)\n\tmovdqu %%xmm1, 32(%0)\n\t"
			"movdqu %%xmm2, 64(%0)\n\tmovdqu %%xmm3, 96(%0)\n\t"
			"movdqu %%xmm4, 128(%0)\n\tmovdqu %%xmm5, 160(%0)\n\t"
			"movdqu %%xmm6, 192(%0)\n\tmovdqu %%xmm7, 224(%0)" :: "r"(p) : "memory");
}

static void mode_fpu(uint32_t seed)
{
	uint32_t rounds = 0, bad = 0, gaps = 0, first_bad = 0;
	unsigned bytes;
	uint64_t end;

	fpu_enable();
	bytes = has_avx ? 32 : 16;
	put_line_dec(has_avx ? "checking x87, MXCSR and YMM0-7, seed " :
		     "checking x87, MXCSR and XMM0-7, seed ", seed);
	end = rdtsc() + ms_to_tsc(FPU_MS);
	while (rdtsc() < end) {
		/* Rounding control differs per seed (MXCSR bits 14:13, x87
		 * FCW bits 11:10; SDM vol. 1 §10.2.3, §8.1.5). */
		uint32_t mxcsr = 0x1F80 | ((seed & 3) << 13), mx_back = 0;
		uint16_t fcw = (uint16_t)(0x037F | ((seed & 3) << 10)), fcw_back = 0;
		uint32_t ival = seed * 1000003u + rounds, iback = 0;

		for (unsigned r = 0; r < 8; r++)
			for (unsigned b = 0; b < 32; b++)
				want[r * 32 + b] = b < bytes ? (uint8_t)(seed * 37 + rounds + r * 11 + b) : 0;
		__asm__ __volatile__("ldmxcsr %0" :: "m"(mxcsr));
		__asm__ __volatile__("fldcw %0\n\tfildl %1" :: "m"(fcw), "m"(ival));
		load_vectors(want);
		gaps += spin_count_gaps(rdtsc() + ms_to_tsc(2));
		store_vectors(got);
		__asm__ __volatile__("stmxcsr %0" : "=m"(mx_back));
		__asm__ __volatile__("fnstcw %0\n\tfistpl %1" : "=m"(fcw_back), "=m"(iback));
		bool ok = mx_back == mxcsr && fcw_back == fcw && iback == ival;
		for (unsigned i = 0; i < 8 * 32 && ok; i++)
			if (i % 32 < bytes && got[i] != want[i])
				ok = false;
		if (!ok && !bad++)
			first_bad = rounds;
		rounds++;
	}
	put_line_dec("rounds ", rounds);
	put_line_dec("preemptions ", gaps);
	guest_check(bad == 0, "registers unchanged across preemptions (first bad round)", first_bad);
	/* The scheduler's count of switch-ins (the boot test reads it) is the
	 * exact number; the gaps seen here are those that hit the spin. */
	guest_check(gaps >= 10, "preempted at least 10 times while checking", gaps);
}

uint32_t guest_main(uint32_t magic, uint32_t info)
{
	const struct mb_info *mbi = (const struct mb_info *)info;
	const char *cmd = (magic == 0x2BADB002 && (mbi->flags & 4)) ? (const char *)mbi->cmdline : "";

	guest_puts("sched guest: ");
	guest_puts(cmd);
	guest_puts("\n");
	calibrate();
	guest_check(tsc_per_ms > 0, "TSC calibrated against the APIC timer", tsc_per_ms);
	put_line_dec("TSC ticks per ms: ", tsc_per_ms);
	if (cmd_has(cmd, "mode=count"))
		mode_count();
	else if (cmd_has(cmd, "mode=spin"))
		mode_spin();
	else if (cmd_has(cmd, "mode=counter"))
		mode_counter();
	else if (cmd_has(cmd, "mode=fpu"))
		mode_fpu(cmd_number(cmd, "seed="));
	else
		guest_check(false, "a mode= on the command line", 0);
	return guest_summary();
}
