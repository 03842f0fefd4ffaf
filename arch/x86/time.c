/* time.c - time since boot from the TSC. The TSC rate comes from the
 * calibration in arch/x86/calibrate.c (CPUID 0x15/0x16, HPET or PIT); until
 * then delays assume a fast 4 GHz TSC so they are never too short. */
#include <plinth/time.h>
#include <x86/cpu.h>
#include <x86/arch.h>

static uint64_t hz;          /* TSC ticks per second, 0 until calibrated */
static uint64_t tsc_at_boot;

void time_early_init(void)
{
	tsc_at_boot = rdtsc();
}

void time_set_tsc_hz(uint64_t ticks_per_second)
{
	hz = ticks_per_second;
}

uint64_t tsc_hz(void) { return hz; }
uint64_t tsc_boot_value(void) { return tsc_at_boot; }

uint64_t time_now_ns(void)
{
	if (!hz)
		return 0;
	uint64_t d = rdtsc() - tsc_at_boot;
	/* d * 1e9 / hz without overflowing for ~centuries: split seconds. */
	return (d / hz) * 1000000000ULL + (d % hz) * 1000000000ULL / hz;
}

void udelay(uint64_t us)
{
	uint64_t rate = hz ? hz : 4000000000ULL;
	uint64_t end = rdtsc() + us * (rate / 1000000ULL);
	while ((int64_t)(rdtsc() - end) < 0)
		cpu_relax();
}

void mdelay(uint64_t ms)
{
	while (ms--)
		udelay(1000);
}
