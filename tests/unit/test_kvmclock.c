/* test_kvmclock.c - kvm-clock's arithmetic (vmm/pvclock.c): the TSC-to-ns
 * scale for frequencies from 1 MHz to 1 THz, what a Linux guest computes
 * from it (elapsed ns, its TSC frequency in kHz), the structure plinth
 * writes, the wall clock at time 0, and refusal of absurd frequencies. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../vmm/kvmclock.h"
#include "host_support.h"

/* Exact ns for ticks at hz (128-bit reference). */
static uint64_t exact_ns(uint64_t ticks, uint64_t hz)
{
	return (uint64_t)(((unsigned __int128)ticks * 1000000000u) / hz);
}

static void test_scale_range(void **state)
{
	static const uint64_t hz[] = {
		1000000, 14318180, 1193182, 999999999, 1000000000, 1000000001,
		2598301000ull, 3000000000ull, 4294967296ull, 5000000000ull, 1ull << 40,
	};
	(void)state;

	for (size_t i = 0; i < sizeof(hz) / sizeof(hz[0]); i++) {
		uint32_t mul = 0;
		int8_t shift = 0;
		assert_int_equal(pvclock_scale(hz[i], &mul, &shift), 0);
		/* The most precise multiplier: top bit set. */
		assert_true(mul >= 0x80000000u);
		/* One second and one hour of ticks come out within 1 ppm
		 * (+1 ns) of the exact value; 10 ms within a few ns. */
		for (uint64_t secs = 1; secs <= 3600; secs *= 3600) {
			uint64_t ticks = hz[i] * secs, want = exact_ns(ticks, hz[i]);
			uint64_t got = pvclock_ticks_to_ns(ticks, mul, shift);
			uint64_t err = got > want ? got - want : want - got;
			assert_true(err <= want / 1000000 + 1);
		}
		uint64_t t10 = hz[i] / 100;
		uint64_t got = pvclock_ticks_to_ns(t10, mul, shift), want = exact_ns(t10, hz[i]);
		assert_true((got > want ? got - want : want - got) <= 4 + (uint64_t)(1 << (shift > 0 ? shift : 0)));
		/* Linux's pvclock_tsc_khz gives the frequency back, within
		 * its own quantisation: one unit of the division, scaled by
		 * the left shift it applies for a negative shift. */
		uint64_t khz = pvclock_khz(mul, shift);
		uint64_t want_khz = hz[i] / 1000;
		uint64_t tol = (shift < 0 ? 1ull << -shift : 1) + 1;
		assert_true(khz + tol >= want_khz && khz <= want_khz + tol);
	}
}

/* 2.5 GHz: 0.4 ns per tick = 0.8 * 2^-1: shift -1, mul 0.8 * 2^32. */
static void test_scale_known(void **state)
{
	uint32_t mul;
	int8_t shift;
	(void)state;

	assert_int_equal(pvclock_scale(2500000000ull, &mul, &shift), 0);
	assert_int_equal(shift, -1);
	assert_int_equal(mul, 3435973836u);                /* floor(0.8 * 2^32) */
	assert_int_equal(pvclock_ticks_to_ns(2500000000ull, mul, shift), 999999999);
	/* 1 GHz: exactly 1 ns per tick = 0.5 * 2^1. */
	assert_int_equal(pvclock_scale(1000000000ull, &mul, &shift), 0);
	assert_int_equal(shift, 1);
	assert_int_equal(mul, 0x80000000u);
	assert_int_equal(pvclock_ticks_to_ns(123456789, mul, shift), 123456789);
	/* Huge deltas do not overflow the 96-bit product. */
	assert_int_equal(pvclock_ticks_to_ns(1ull << 62, mul, shift) , 1ull << 62);
}

static void test_scale_refused(void **state)
{
	uint32_t mul = 7;
	int8_t shift = 3;
	(void)state;

	host_log_reset();
	assert_int_equal(pvclock_scale(0, &mul, &shift), -EINVAL);
	assert_int_equal(pvclock_scale(999, &mul, &shift), -EINVAL);
	assert_int_equal(pvclock_scale((1ull << 40) + 1, &mul, &shift), -EINVAL);
	assert_true(host_log_contains("out of range"));
	assert_int_equal(mul, 7);
	assert_int_equal(shift, 3);
}

/* The structure is the guest ABI: field offsets as pvclock-abi.h has them,
 * every field set, flags without the stable bit. */
static void test_fill(void **state)
{
	struct pvclock_vcpu_time_info t;
	uint8_t raw[32];
	(void)state;

	memset(&t, 0xEE, sizeof(t));
	pvclock_fill(&t, 6, 0x1122334455667788ull, 987654321, 0x89abcdefu, -2);
	memcpy(raw, &t, sizeof(raw));
	assert_int_equal(raw[0], 6);
	assert_int_equal(raw[4], 0);                         /* pad0 */
	assert_int_equal(raw[8], 0x88);                      /* tsc_timestamp at 8 */
	assert_int_equal(raw[15], 0x11);
	assert_int_equal(raw[16], 987654321 & 0xFF);         /* system_time at 16 */
	assert_int_equal(raw[24], 0xef);                     /* mul at 24 */
	assert_int_equal(raw[27], 0x89);
	assert_int_equal((int8_t)raw[28], -2);               /* shift at 28 */
	assert_int_equal(raw[29], 0);                        /* flags */
	assert_int_equal(raw[30] | raw[31], 0);
}

/* Wall time at time 0 = the RTC's Unix time minus the time since 0. */
static void test_wall_clock(void **state)
{
	uint32_t sec, nsec;
	(void)state;

	pvclock_wall_at_zero(1767225600, 0, &sec, &nsec);
	assert_int_equal(sec, 1767225600u);
	assert_int_equal(nsec, 0);
	pvclock_wall_at_zero(1767225600, 2500000000ull, &sec, &nsec);   /* 2.5 s in */
	assert_int_equal(sec, 1767225597u);
	assert_int_equal(nsec, 500000000u);
	pvclock_wall_at_zero(1767225600, 3000000000ull, &sec, &nsec);
	assert_int_equal(sec, 1767225597u);
	assert_int_equal(nsec, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scale_range),
		cmocka_unit_test(test_scale_known),
		cmocka_unit_test(test_scale_refused),
		cmocka_unit_test(test_fill),
		cmocka_unit_test(test_wall_clock),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
