/* calibrate.c - how fast the TSC and the LAPIC timer run.
 *
 * The TSC rate comes from CPUID leaf 15H/16H when the CPU enumerates it;
 * otherwise it is measured over a short window (CAL_WINDOW_MS) against a
 * reference clock of known rate: the HPET main counter, else PIT channel 2,
 * else the ACPI PM timer. The LAPIC timer is counted over the same window
 * and scaled through the TSC. A reference window is taken even when CPUID
 * gives the rate: it calibrates the LAPIC timer and catches a CPUID value
 * that disagrees with the clocks (emulators). Every result is checked for
 * plausibility; an implausible one is reported and the next source tried.
 *
 * The window is short on purpose: in Bochs with 'clock: sync=none' time is
 * virtual (counted in instructions), and a long busy-wait costs real
 * minutes there. */
#include <plinth/acpi.h>
#include <plinth/hpet.h>
#include <plinth/log.h>
#include <plinth/pit.h>
#include <plinth/string.h>
#include <x86/arch.h>
#include <x86/calibrate_math.h>
#include <x86/cpu.h>
#include <x86/lapic.h>

#define CAL_WINDOW_MS      10
/* Upper bound on reference reads in one window: a reference that stops (or
 * is absent and reads as a constant) ends the window as a failure instead
 * of hanging. Reads cost at least ~100 ns on hardware, so 10 ms needs at
 * most ~100k of them; emulated I/O is slower still. */
#define CAL_MAX_POLLS      20000000UL
/* CPUID and a measurement agree when within this many parts per thousand. */
#define CPUID_AGREE_PERMILLE 20

/* One calibration window: how far the TSC and the LAPIC timer advanced
 * while the reference clock measured elapsed_fs. */
struct cal_window {
	uint64_t tsc_ticks;
	uint64_t lapic_ticks;   /* 0 when the LAPIC timer could not be counted */
	uint64_t elapsed_fs;
};

struct cal_source {
	const char *name;
	/* Take one window; returns 0, or a negative error (reason logged at
	 * debug or warning level). */
	int (*measure)(struct cal_window *w);
};

static uint16_t pm_timer_port;

static uint64_t read_hpet(void) { return hpet_read_counter(); }
static uint64_t read_pm_timer(void) { return inl(pm_timer_port); }

/* Start the LAPIC timer as a masked free-running count (if the LAPIC is up). */
static uint32_t lapic_window_begin(void)
{
	if (!lapic_ready())
		return 0;
	lapic_timer_count_start();
	return lapic_timer_count_read();
}

/* LAPIC ticks since lapic_window_begin() returned 'start'; 0 if unusable
 * (the count reached zero, or the LAPIC is not up). Stops the timer. */
static uint64_t lapic_window_end(uint32_t start)
{
	if (!lapic_ready())
		return 0;
	uint32_t now = lapic_timer_count_read();
	lapic_timer_oneshot(0);
	if (now == 0 || now > start)
		return 0;
	return start - now;
}

/* Poll a free-running up-counter 'bits' wide until it advanced by 'target'
 * ticks, counting the TSC and the LAPIC timer over the same span. Returns
 * the reference ticks elapsed, or 0 if the counter did not get there within
 * CAL_MAX_POLLS reads. */
static uint64_t window_on_counter(uint64_t (*read)(void), unsigned bits, uint64_t target,
				  struct cal_window *w)
{
	uint64_t flags = irq_save();
	uint32_t lapic0 = lapic_window_begin();
	uint64_t ref0 = read();
	uint64_t tsc0 = rdtsc();
	uint64_t tsc1 = tsc0, elapsed = 0;

	for (unsigned long i = 0; i < CAL_MAX_POLLS; i++) {
		uint64_t ref = read();
		tsc1 = rdtsc();
		elapsed = counter_delta(ref0, ref, bits);
		if (elapsed >= target)
			break;
	}
	w->lapic_ticks = lapic_window_end(lapic0);
	irq_restore(flags);
	w->tsc_ticks = tsc1 - tsc0;
	return elapsed >= target ? elapsed : 0;
}

static int measure_hpet(struct cal_window *w)
{
	if (hpet_init())
		return -ENODEV;
	uint64_t period = hpet_period_fs();
	uint64_t target = (uint64_t)CAL_WINDOW_MS * 1000000000000ULL / period;
	uint64_t ticks = window_on_counter(read_hpet, hpet_counter_bits(), target, w);
	if (!ticks) {
		pr_warn("timer: the HPET main counter stopped advancing during calibration");
		return -EIO;
	}
	w->elapsed_fs = ticks * period;
	return 0;
}

static int measure_pm_timer(struct cal_window *w)
{
	/* ACPI 6.5 §4.8.3.3: a 24-bit (or, with TMR_VAL_EXT, 32-bit) counter at
	 * 3.579545 MHz, read through the FADT's PM_TMR_BLK port. */
	if (!acpi.has_fadt || acpi.pm_tmr_blk == 0 || acpi.pm_tmr_blk > 0xFFFF) {
		pr_debug("timer: no ACPI PM timer");
		return -ENODEV;
	}
	pm_timer_port = (uint16_t)acpi.pm_tmr_blk;
	unsigned bits = acpi.pm_tmr_32bit ? 32 : 24;
	uint64_t target = ACPI_PM_TIMER_HZ * CAL_WINDOW_MS / 1000;
	uint64_t ticks = window_on_counter(read_pm_timer, bits, target, w);
	if (!ticks) {
		pr_warn("timer: the ACPI PM timer at port 0x%x does not advance", pm_timer_port);
		return -EIO;
	}
	w->elapsed_fs = ticks_to_fs(ticks, ACPI_PM_TIMER_HZ);
	return 0;
}

static int measure_pit(struct cal_window *w)
{
	uint16_t count = (uint16_t)(PIT_HZ * CAL_WINDOW_MS / 1000);

	uint64_t flags = irq_save();
	pit_ch2_start(count);
	/* Mode 0 drives the output low when programmed; high already means no
	 * 8254 (or no port 0x61 wiring) answers. */
	if (pit_ch2_expired()) {
		pit_ch2_stop();
		irq_restore(flags);
		pr_debug("timer: PIT channel 2 output is high right after programming: no PIT");
		return -ENODEV;
	}
	uint32_t lapic0 = lapic_window_begin();
	uint64_t tsc0 = rdtsc(), tsc1 = tsc0;
	bool expired = false;
	for (unsigned long i = 0; i < CAL_MAX_POLLS && !expired; i++) {
		expired = pit_ch2_expired();
		tsc1 = rdtsc();
	}
	w->lapic_ticks = lapic_window_end(lapic0);
	pit_ch2_stop();
	irq_restore(flags);
	if (!expired) {
		pr_warn("timer: PIT channel 2 never reached terminal count");
		return -EIO;
	}
	w->tsc_ticks = tsc1 - tsc0;
	w->elapsed_fs = ticks_to_fs(count, PIT_HZ);
	return 0;
}

static const struct cal_source cal_sources[] = {
	{ "HPET", measure_hpet },
	{ "PIT", measure_pit },
	{ "ACPI PM timer", measure_pm_timer },
};

/* What CPUID says the TSC rate is (0 if nothing); *how names the leaf. */
static uint64_t tsc_hz_cpuid(const char **how)
{
	struct cpuid_tsc_info ci;
	uint32_t a, b, c, d;

	memset(&ci, 0, sizeof(ci));
	cpuid(0, &a, &b, &c, &d);
	ci.max_basic_leaf = a;
	/* "GenuineIntel" in EBX, EDX, ECX. */
	ci.intel = b == 0x756E6547 && d == 0x49656E69 && c == 0x6C65746E;
	cpuid(1, &a, &b, &c, &d);
	cpuid_family_model(a, &ci.family, &ci.model);
	if (ci.max_basic_leaf >= 0x15)
		cpuid(0x15, &ci.l15_eax, &ci.l15_ebx, &ci.l15_ecx, &d);
	if (ci.max_basic_leaf >= 0x16)
		cpuid(0x16, &ci.l16_eax, &b, &c, &d);
	return tsc_hz_from_cpuid(&ci, how);
}

/* CPUID.80000007H:EDX[bit 8]: the TSC runs at a constant rate in every
 * ACPI P-, C- and T-state (SDM vol. 3, "Invariant TSC" in the TSC section). */
static bool tsc_is_invariant(void)
{
	uint32_t a, b, c, d;
	cpuid(0x80000000, &a, &b, &c, &d);
	if (a < 0x80000007)
		return false;
	cpuid(0x80000007, &a, &b, &c, &d);
	return (d & BIT(8)) != 0;
}

/* A window of CAL_WINDOW_MS timed by the TSC alone (rate known from
 * CPUID), to count the LAPIC timer when no reference clock works. */
static void window_on_tsc(uint64_t hz, struct cal_window *w)
{
	uint64_t flags = irq_save();
	uint32_t lapic0 = lapic_window_begin();
	uint64_t tsc0 = rdtsc(), tsc1;
	uint64_t span = hz / 1000 * CAL_WINDOW_MS;
	do {
		tsc1 = rdtsc();
	} while (tsc1 - tsc0 < span);
	w->lapic_ticks = lapic_window_end(lapic0);
	irq_restore(flags);
	w->tsc_ticks = tsc1 - tsc0;
	w->elapsed_fs = ticks_to_fs(w->tsc_ticks, hz);
}

/* Differ by more than CPUID_AGREE_PERMILLE parts per thousand? */
static bool rates_disagree(uint64_t a, uint64_t b)
{
	uint64_t diff = a > b ? a - b : b - a;
	return mul_div_u64(diff, 1000, b) > CPUID_AGREE_PERMILLE;
}

void time_calibrate(void)
{
	const char *cpuid_how = NULL;
	uint64_t cpuid_hz = tsc_hz_cpuid(&cpuid_how);
	char mhz[32], mhz2[32];

	if (cpuid_hz && !tsc_hz_plausible(cpuid_hz)) {
		format_mhz(mhz, sizeof(mhz), cpuid_hz);
		pr_warn("timer: %s gives an implausible TSC rate of %s MHz; measuring instead",
			cpuid_how, mhz);
		cpuid_hz = 0;
	}

	/* Measure against the first reference clock that works and gives a
	 * plausible rate. */
	struct cal_window w;
	uint64_t measured_hz = 0;
	const char *measured_by = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(cal_sources) && !measured_hz; i++) {
		memset(&w, 0, sizeof(w));
		if (cal_sources[i].measure(&w))
			continue;
		uint64_t hz = rate_hz(w.tsc_ticks, w.elapsed_fs);
		if (!tsc_hz_plausible(hz)) {
			format_mhz(mhz, sizeof(mhz), hz);
			pr_warn("timer: measuring against the %s gave an implausible TSC rate of %s MHz;"
				" trying the next source", cal_sources[i].name, mhz);
			continue;
		}
		measured_hz = hz;
		measured_by = cal_sources[i].name;
	}

	uint64_t hz;
	const char *via;
	if (cpuid_hz) {
		hz = cpuid_hz;
		via = cpuid_how;
		if (measured_hz && rates_disagree(cpuid_hz, measured_hz)) {
			format_mhz(mhz, sizeof(mhz), cpuid_hz);
			format_mhz(mhz2, sizeof(mhz2), measured_hz);
			pr_warn("timer: %s says the TSC runs at %s MHz but the %s measures %s MHz; "
				"using the measurement", cpuid_how, mhz, measured_by, mhz2);
			hz = measured_hz;
			via = measured_by;
		} else if (!measured_hz) {
			memset(&w, 0, sizeof(w));
			window_on_tsc(cpuid_hz, &w);
		}
	} else if (measured_hz) {
		hz = measured_hz;
		via = measured_by;
	} else {
		pr_err("timer: no usable clock to calibrate the TSC against (no CPUID 0x15, HPET, "
		       "PIT or ACPI PM timer); delays assume a 4 GHz TSC and the LAPIC timer is "
		       "not calibrated");
		return;
	}

	time_set_tsc_hz(hz);
	uint32_t lapic_per_ms = lapic_ticks_per_ms(w.lapic_ticks, w.tsc_ticks, hz);
	if (lapic_ready())
		lapic_timer_set_ticks_per_ms(lapic_per_ms);

	format_mhz(mhz, sizeof(mhz), hz);
	const char *inv = tsc_is_invariant() ? "invariant" : "not invariant";
	if (lapic_per_ms)
		pr_info("timer: TSC %s MHz (via %s, %s), LAPIC timer %u ticks/ms", mhz, via, inv,
			lapic_per_ms);
	else
		pr_info("timer: TSC %s MHz (via %s, %s), LAPIC timer not calibrated", mhz, via, inv);
	if (lapic_ready() && !lapic_per_ms)
		pr_warn("timer: the LAPIC timer did not count during calibration (%llu ticks in "
			"%llu TSC ticks)", (unsigned long long)w.lapic_ticks,
			(unsigned long long)w.tsc_ticks);
}
