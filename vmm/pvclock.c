/* pvclock.c - the arithmetic of kvm-clock's time info (see kvmclock.h):
 * the TSC-to-ns scale factor and what the guest computes from it. Pure. */
#include <plinth/log.h>
#include <plinth/string.h>
#include "kvmclock.h"

#define NS_PER_S 1000000000ull

/* floor(a * 2^k / b) by long division one bit at a time, so nothing
 * overflows for b < 2^63; the caller keeps the result below 2^64. */
static uint64_t scaled_div(uint64_t a, unsigned k, uint64_t b)
{
	uint64_t q = a / b, r = a % b;

	while (k--) {
		q <<= 1;
		r <<= 1;
		if (r >= b) {
			q++;
			r -= b;
		}
	}
	return q;
}

/* ns per tick is 1e9 / hz = mul * 2^(shift - 32). The largest mul below
 * 2^32 is the most precise: try shifts from the largest down, mul doubling
 * at each step, and take the first that reaches 2^31. */
int pvclock_scale(uint64_t tsc_hz, uint32_t *mul, int8_t *shift)
{
	if (tsc_hz < 1000 || tsc_hz > (1ull << 40)) {
		pr_err("kvmclock: TSC frequency %llu Hz is out of range",
		       (unsigned long long)tsc_hz);
		return -EINVAL;
	}
	for (int s = 31; s >= -31; s--) {
		uint64_t m = scaled_div(NS_PER_S, (unsigned)(32 - s), tsc_hz);
		if (m >= (1ull << 31)) {
			*mul = (uint32_t)m;      /* < 2^32: the previous s gave < 2^31 */
			*shift = (int8_t)s;
			return 0;
		}
	}
	/* Unreachable for the range above (s = -31 covers 2^40 Hz). */
	pr_err("kvmclock: no scale for %llu Hz", (unsigned long long)tsc_hz);
	return -EINVAL;
}

uint64_t pvclock_ticks_to_ns(uint64_t delta, uint32_t mul, int8_t shift)
{
	uint64_t hi, lo;

	if (shift < 0)
		delta >>= -shift;
	else
		delta <<= shift;
	/* (delta * mul) >> 32 with a 96-bit product, in two halves. */
	hi = (delta >> 32) * mul;
	lo = (delta & 0xFFFFFFFFull) * mul;
	return hi + (lo >> 32);
}

uint64_t pvclock_khz(uint32_t mul, int8_t shift)
{
	uint64_t khz = (1000000ull << 32) / mul;

	return shift < 0 ? khz << -shift : khz >> shift;
}

void pvclock_fill(struct pvclock_vcpu_time_info *t, uint32_t version, uint64_t guest_tsc,
		  uint64_t now_ns, uint32_t mul, int8_t shift)
{
	memset(t, 0, sizeof(*t));
	t->version = version;
	t->tsc_timestamp = guest_tsc;
	t->system_time = now_ns;
	t->tsc_to_system_mul = mul;
	t->tsc_shift = shift;
	/* PVCLOCK_TSC_STABLE_BIT stays clear: each vCPU's TSC offset is set
	 * when that vCPU is reset, so the guest TSCs of a VM are not one
	 * synchronised counter, and the host TSC may not be invariant. The
	 * guest then keeps the clock monotonic across its CPUs itself. */
	t->flags = 0;
}

void pvclock_wall_at_zero(int64_t unix_base, uint64_t origin_ns, uint32_t *sec, uint32_t *nsec)
{
	/* unix_base * 1e9 - origin_ns, kept in seconds and ns (no overflow). */
	int64_t s = unix_base - (int64_t)(origin_ns / NS_PER_S);
	uint64_t ns = origin_ns % NS_PER_S;

	if (ns) {
		s--;
		ns = NS_PER_S - ns;
	}
	*sec = (uint32_t)s;
	*nsec = (uint32_t)ns;
}
