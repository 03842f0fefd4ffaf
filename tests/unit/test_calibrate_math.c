/* test_calibrate_math.c - the arithmetic of time calibration
 * (arch/x86/calibrate_math.c): CPUID 15H/16H decoding for crystal, known
 * model and base-frequency cases and the leaves' "not enumerated" values;
 * exact 128-bit scaling against a host reference (including quotients
 * that overflow); wrap-aware counter deltas; reference-time conversion for
 * the PIT, PM timer and HPET; HPET capability checks on valid and broken
 * registers; the LAPIC ticks/ms result and the MHz formatting. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <x86/calibrate_math.h>
#include "host_support.h"

static void setup_log(void)
{
	host_log_reset();
}

/* ---- CPUID ---- */

static void test_family_model(void **state)
{
	(void)state;
	uint32_t fam, mod;
	cpuid_family_model(0x000506E3, &fam, &mod);   /* Skylake desktop */
	assert_int_equal(fam, 6);
	assert_int_equal(mod, 0x5E);
	cpuid_family_model(0x00050654, &fam, &mod);   /* Skylake-SP */
	assert_int_equal(fam, 6);
	assert_int_equal(mod, 0x55);
	cpuid_family_model(0x00800F11, &fam, &mod);   /* Zen: family 0xF + 8 */
	assert_int_equal(fam, 0x17);
	assert_int_equal(mod, 0x01);
	/* Family 5: the extended model field is not part of the model. */
	cpuid_family_model(0x000F0543, &fam, &mod);
	assert_int_equal(fam, 5);
	assert_int_equal(mod, 4);
}

static struct cpuid_tsc_info intel_leaf15(uint32_t model, uint32_t den, uint32_t num,
					  uint32_t crystal)
{
	struct cpuid_tsc_info ci = {
		.max_basic_leaf = 0x16, .intel = true, .family = 6, .model = model,
		.l15_eax = den, .l15_ebx = num, .l15_ecx = crystal,
	};
	return ci;
}

static void test_cpuid_crystal_enumerated(void **state)
{
	(void)state;
	const char *how = NULL;
	/* 25 MHz crystal, ratio 216/2: 2.7 GHz. */
	struct cpuid_tsc_info ci = intel_leaf15(0x55, 2, 216, 25000000);
	assert_int_equal(tsc_hz_from_cpuid(&ci, &how), 2700000000ULL);
	assert_string_equal(how, "CPUID 0x15");
	/* A ratio that does not divide evenly truncates: 24 MHz * 7 / 3. */
	ci = intel_leaf15(0x99, 3, 7, 24000000);
	assert_int_equal(tsc_hz_from_cpuid(&ci, &how), 56000000ULL);
	/* Works for other vendors too when the crystal is given. */
	ci.intel = false;
	assert_int_equal(tsc_hz_from_cpuid(&ci, NULL), 56000000ULL);
}

static void test_cpuid_known_models(void **state)
{
	(void)state;
	const char *how = NULL;
	struct cpuid_tsc_info ci = intel_leaf15(0x5E, 2, 250, 0);   /* Skylake, 24 MHz */
	assert_int_equal(tsc_hz_from_cpuid(&ci, &how), 3000000000ULL);
	assert_non_null(strstr(how, "known model"));
	ci = intel_leaf15(0x8E, 2, 176, 0);                          /* Kaby Lake-L */
	assert_int_equal(tsc_hz_from_cpuid(&ci, NULL), 2112000000ULL);
	ci = intel_leaf15(0x5F, 1, 88, 0);                           /* Denverton, 25 MHz */
	assert_int_equal(tsc_hz_from_cpuid(&ci, NULL), 2200000000ULL);
	ci = intel_leaf15(0x5C, 1, 78, 0);                           /* Goldmont, 19.2 MHz */
	assert_int_equal(tsc_hz_from_cpuid(&ci, NULL), 1497600000ULL);
}

static void test_cpuid_base_frequency_fallback(void **state)
{
	(void)state;
	const char *how = NULL;
	struct cpuid_tsc_info ci = intel_leaf15(0x55, 2, 216, 0);   /* no crystal, not in table */
	ci.l16_eax = 2100;
	assert_int_equal(tsc_hz_from_cpuid(&ci, &how), 2100000000ULL);
	assert_string_equal(how, "CPUID 0x15/0x16");
	/* Leaf 16H not present (max leaf 15H): nothing. */
	ci.max_basic_leaf = 0x15;
	assert_int_equal(tsc_hz_from_cpuid(&ci, &how), 0);
	assert_null(how);
	/* Present but zero: nothing. */
	ci.max_basic_leaf = 0x16;
	ci.l16_eax = 0;
	assert_int_equal(tsc_hz_from_cpuid(&ci, NULL), 0);
	/* Not Intel: neither the model table nor leaf 16H is trusted. */
	ci = intel_leaf15(0x5E, 2, 250, 0);
	ci.intel = false;
	ci.l16_eax = 3000;
	assert_int_equal(tsc_hz_from_cpuid(&ci, NULL), 0);
	/* Not family 6: the model table does not apply. */
	ci = intel_leaf15(0x5E, 2, 250, 0);
	ci.family = 0xF;
	assert_int_equal(tsc_hz_from_cpuid(&ci, NULL), 0);
}

static void test_cpuid_not_enumerated(void **state)
{
	(void)state;
	const char *how = "stale";
	struct cpuid_tsc_info ci = intel_leaf15(0x5E, 2, 250, 24000000);
	ci.max_basic_leaf = 0x14;
	assert_int_equal(tsc_hz_from_cpuid(&ci, &how), 0);
	assert_null(how);
	ci = intel_leaf15(0x5E, 0, 250, 24000000);    /* EAX = 0 */
	assert_int_equal(tsc_hz_from_cpuid(&ci, NULL), 0);
	ci = intel_leaf15(0x5E, 2, 0, 24000000);      /* EBX = 0 */
	assert_int_equal(tsc_hz_from_cpuid(&ci, NULL), 0);
	struct cpuid_tsc_info zero;
	memset(&zero, 0, sizeof(zero));
	assert_int_equal(tsc_hz_from_cpuid(&zero, NULL), 0);
}

/* ---- arithmetic ---- */

static void test_mul_div_exact(void **state)
{
	(void)state;
	assert_int_equal(mul_div_u64(10, 20, 3), 66);
	assert_int_equal(mul_div_u64(0, 20, 3), 0);
	assert_int_equal(mul_div_u64(7, 0, 3), 0);
	assert_int_equal(mul_div_u64(1ULL << 63, 4, 8), 1ULL << 62);
	assert_int_equal(mul_div_u64(UINT64_MAX, UINT64_MAX, UINT64_MAX), UINT64_MAX);
	assert_int_equal(mul_div_u64(UINT64_MAX, 3, 4), (uint64_t)(((unsigned __int128)UINT64_MAX * 3) / 4));
	/* The case naive 64-bit code gets wrong: the product overflows but the
	 * quotient fits. */
	assert_int_equal(mul_div_u64(26000000000ULL, FS_PER_SECOND, 10000000000000ULL),
			 2600000000000ULL);
}

static void test_mul_div_rejects(void **state)
{
	(void)state;
	assert_int_equal(mul_div_u64(5, 5, 0), 0);                    /* divide by zero */
	assert_int_equal(mul_div_u64(1ULL << 63, 6, 3), 0);           /* quotient = 2^64 */
	assert_int_equal(mul_div_u64(UINT64_MAX, UINT64_MAX, 1), 0);
	assert_int_equal(mul_div_u64(UINT64_MAX, 2, 2), UINT64_MAX);  /* just fits */
}

static uint64_t rand64(uint64_t *s)
{
	/* xorshift64*: deterministic, seeded. */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

static void test_mul_div_matches_int128(void **state)
{
	(void)state;
	uint64_t seed = 0x9E3779B97F4A7C15ULL;
	for (int i = 0; i < 20000; i++) {
		uint64_t a = rand64(&seed) >> (rand64(&seed) % 64);
		uint64_t b = rand64(&seed) >> (rand64(&seed) % 64);
		uint64_t c = rand64(&seed) >> (rand64(&seed) % 64);
		unsigned __int128 p = (unsigned __int128)a * b;
		uint64_t expect = 0;
		if (c && p / c <= UINT64_MAX)
			expect = (uint64_t)(p / c);
		assert_int_equal(mul_div_u64(a, b, c), expect);
	}
}

static void test_counter_delta(void **state)
{
	(void)state;
	assert_int_equal(counter_delta(100, 250, 24), 150);
	assert_int_equal(counter_delta(0xFFFFF0, 0x10, 24), 0x20);          /* PM timer wrap */
	assert_int_equal(counter_delta(0xFFFFFFF0, 0x10, 32), 0x20);        /* 32-bit HPET */
	assert_int_equal(counter_delta(UINT64_MAX - 1, 3, 64), 5);
	assert_int_equal(counter_delta(UINT64_MAX - 1, 3, 0), 5);           /* 0 = full width */
	/* Bits above the counter's width (garbage in a wide read) are ignored. */
	assert_int_equal(counter_delta(0xAB000010, 0xCD000020, 24), 0x10);
}

static void test_reference_time(void **state)
{
	(void)state;
	/* PIT: 11931 ticks of 1.193182 MHz = 9.999313 ms. */
	assert_int_equal(ticks_to_fs(11931, PIT_INPUT_HZ), 9999312762009ULL);
	/* PM timer: 35795 ticks = 9.999874 ms. */
	assert_int_equal(ticks_to_fs(35795, ACPI_PM_TIMER_HZ), 9999874285698ULL);
	assert_int_equal(ticks_to_fs(100, 0), 0);
	/* 26,000,000 TSC ticks in 10 ms: 2.6 GHz. */
	assert_int_equal(rate_hz(26000000, 10000000000000ULL), 2600000000ULL);
	assert_int_equal(rate_hz(26000000, 0), 0);
	/* Round trip through the PIT window gives the rate back within 1 Hz. */
	uint64_t fs = ticks_to_fs(11931, PIT_INPUT_HZ);
	uint64_t hz = rate_hz(29998000, fs);    /* ~3 GHz TSC over that window */
	assert_true(hz > 2999900000ULL && hz < 3000200000ULL);
}

/* ---- HPET ---- */

static uint64_t hpet_caps_value(uint32_t period, bool wide, unsigned timers, uint8_t rev)
{
	return ((uint64_t)period << 32) | (0x8086ULL << 16) | (wide ? (1ULL << 13) : 0) |
	       ((uint64_t)(timers - 1) << 8) | rev;
}

static void test_hpet_caps_valid(void **state)
{
	(void)state;
	struct hpet_caps caps;
	setup_log();
	/* QEMU: 10 ns period, 3 timers, 64-bit counter, revision 1. */
	assert_int_equal(hpet_caps_decode(hpet_caps_value(10000000, true, 3, 1), &caps), 0);
	assert_int_equal(caps.period_fs, 10000000);
	assert_int_equal(caps.hz, 100000000);
	assert_true(caps.counter_64bit);
	assert_int_equal(caps.timers, 3);
	assert_int_equal(caps.revision, 1);
	/* Classic 14.31818 MHz HPET, 32-bit counter, the 100 ns limit exactly. */
	assert_int_equal(hpet_caps_decode(hpet_caps_value(69841279, false, 32, 1), &caps), 0);
	assert_int_equal(caps.hz, 14318179);   /* 14318179.94, truncated */
	assert_false(caps.counter_64bit);
	assert_int_equal(caps.timers, 32);
	assert_int_equal(hpet_caps_decode(hpet_caps_value(100000000, true, 1, 1), &caps), 0);
	assert_int_equal(host_log_count(LOG_WARN), 0);
}

static void test_hpet_caps_broken(void **state)
{
	(void)state;
	struct hpet_caps caps;
	setup_log();
	assert_int_equal(hpet_caps_decode(~0ULL, &caps), -ENODEV);
	assert_true(host_log_contains("all ones"));
	setup_log();
	assert_int_equal(hpet_caps_decode(hpet_caps_value(0, true, 3, 1), &caps), -ENODEV);
	assert_true(host_log_contains("period 0 fs"));
	setup_log();
	assert_int_equal(hpet_caps_decode(hpet_caps_value(100000001, true, 3, 1), &caps), -ENODEV);
	assert_true(host_log_contains("100000001"));
	setup_log();
	assert_int_equal(hpet_caps_decode(hpet_caps_value(10000000, true, 3, 0), &caps), -ENODEV);
	assert_true(host_log_contains("revision"));
	setup_log();
	assert_int_equal(hpet_caps_decode(0, &caps), -ENODEV);   /* nothing decoded, reads 0 */
	assert_int_equal(host_log_count(LOG_WARN), 1);
}

/* ---- results ---- */

static void test_plausible(void **state)
{
	(void)state;
	assert_false(tsc_hz_plausible(0));
	assert_false(tsc_hz_plausible(TSC_HZ_MIN - 1));
	assert_true(tsc_hz_plausible(TSC_HZ_MIN));
	assert_true(tsc_hz_plausible(10000000));        /* Bochs, ips=10000000 */
	assert_true(tsc_hz_plausible(2904123000ULL));
	assert_true(tsc_hz_plausible(TSC_HZ_MAX));
	assert_false(tsc_hz_plausible(TSC_HZ_MAX + 1));
	assert_false(tsc_hz_plausible(UINT64_MAX));
}

static void test_lapic_ticks_per_ms(void **state)
{
	(void)state;
	/* 627,000 LAPIC ticks while a 2.6 GHz TSC counted 10 ms: 62,700/ms. */
	assert_int_equal(lapic_ticks_per_ms(627000, 26000000, 2600000000ULL), 62700);
	/* The same LAPIC rate seen over a 3 GHz TSC window of 5 ms. */
	assert_int_equal(lapic_ticks_per_ms(313500, 15000000, 3000000000ULL), 62700);
	/* No window, no TSC rate, no LAPIC count: no result. */
	assert_int_equal(lapic_ticks_per_ms(627000, 0, 2600000000ULL), 0);
	assert_int_equal(lapic_ticks_per_ms(627000, 26000000, 0), 0);
	assert_int_equal(lapic_ticks_per_ms(0, 26000000, 2600000000ULL), 0);
	/* Under 1 tick/ms rounds to nothing; beyond 32 bits is refused. */
	assert_int_equal(lapic_ticks_per_ms(1, 26000000, 2600000000ULL), 0);
	assert_int_equal(lapic_ticks_per_ms(UINT32_MAX, 1, 10000000000ULL), 0);
}

static void test_format_mhz(void **state)
{
	(void)state;
	char buf[32];
	format_mhz(buf, sizeof(buf), 2904123456ULL);
	assert_string_equal(buf, "2904.123");
	format_mhz(buf, sizeof(buf), 2904123500ULL);
	assert_string_equal(buf, "2904.124");
	format_mhz(buf, sizeof(buf), 999999999ULL);
	assert_string_equal(buf, "1000.000");
	format_mhz(buf, sizeof(buf), 10000000ULL);
	assert_string_equal(buf, "10.000");
	format_mhz(buf, sizeof(buf), 0);
	assert_string_equal(buf, "0.000");
	/* A short buffer is truncated, never overrun (ASan watches). */
	char small[5];
	format_mhz(small, sizeof(small), 2904123456ULL);
	assert_string_equal(small, "2904");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_family_model),
		cmocka_unit_test(test_cpuid_crystal_enumerated),
		cmocka_unit_test(test_cpuid_known_models),
		cmocka_unit_test(test_cpuid_base_frequency_fallback),
		cmocka_unit_test(test_cpuid_not_enumerated),
		cmocka_unit_test(test_mul_div_exact),
		cmocka_unit_test(test_mul_div_rejects),
		cmocka_unit_test(test_mul_div_matches_int128),
		cmocka_unit_test(test_counter_delta),
		cmocka_unit_test(test_reference_time),
		cmocka_unit_test(test_hpet_caps_valid),
		cmocka_unit_test(test_hpet_caps_broken),
		cmocka_unit_test(test_plausible),
		cmocka_unit_test(test_lapic_ticks_per_ms),
		cmocka_unit_test(test_format_mhz),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
