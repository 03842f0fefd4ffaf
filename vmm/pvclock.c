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

uint64_t guest_tsc_vm_offset(uint64_t host_tsc_now)
{
	return 0 - host_tsc_now;        /* two's complement, as the CPU adds it */
}

uint64_t guest_tsc_vcpu_offset(uint64_t vm_tsc_offset, uint64_t tsc_adjust)
{
	return vm_tsc_offset + tsc_adjust;
}

/* Invariance alone does not make the host CPUs' TSCs equal (firmware may
 * write them apart), and a TSC in step at boot that is not invariant may
 * change its rate with a core's P- or C-state later (SDM vol. 3 §18.17.1),
 * so both are needed; a virtual machine's TSC (plinth nested in KVM or in
 * QEMU TCG, which report no invariant TSC) is one counter for all its
 * virtual CPUs, and the warp test still has the last word. */
bool guest_tsc_host_reliable(bool host_in_step, bool host_invariant, bool host_virtual)
{
	return host_in_step && (host_invariant || host_virtual);
}

/* The rule for PVCLOCK_TSC_STABLE_BIT. KVM's pvclock ABI
 * (Documentation/virt/kvm/x86/msr.rst, MSR_KVM_SYSTEM_TIME_NEW, "flags":
 * bit 0, announced by KVM_FEATURE_CLOCKSOURCE_STABLE_BIT, bit 24 of EAX
 * of the KVM block's features leaf, 0x40000101 in plinth) promises with
 * it that "time measures taken across multiple cpus are guaranteed to be
 * monotonic": the guest then drops its own cross-CPU fix-up (Linux's pvclock last_value)
 * and keeps sched_clock stable. Each vCPU computes its time from its own
 * TSC with its own structure; plinth writes all of them from the VM's one
 * reference (kvmclock.h), so the promise holds when every vCPU's TSC is
 * the same function of the host TSC (equal offsets, i.e. equal
 * IA32_TSC_ADJUST) and the host TSC reads the same on every host CPU a
 * vCPU may run on (host_reliable): KVM's master clock rule (all vCPUs'
 * TSCs matched, host clocksource the TSC). One vCPU's WRMSR to IA32_TSC
 * breaks it for the whole VM until the TSCs are equal again. */
bool pvclock_tsc_stable(const uint64_t *tsc_adjust, unsigned n, bool host_reliable)
{
	if (!host_reliable)
		return false;
	for (unsigned i = 1; i < n; i++)
		if (tsc_adjust[i] != tsc_adjust[0])
			return false;
	return true;
}

uint64_t pvclock_host_ns(uint64_t host_tsc, uint64_t boot_tsc, uint64_t hz)
{
	uint64_t d = host_tsc - boot_tsc;

	if (!hz)
		return 0;
	/* d * 1e9 / hz in seconds and the rest, as time_now_ns does it, so
	 * the same TSC gives the same ns to the last digit. */
	return (d / hz) * NS_PER_S + (d % hz) * NS_PER_S / hz;
}

void pvclock_fill(struct pvclock_vcpu_time_info *t, uint32_t version, uint64_t guest_tsc,
		  uint64_t now_ns, uint32_t mul, int8_t shift, uint8_t flags)
{
	memset(t, 0, sizeof(*t));
	t->version = version;
	t->tsc_timestamp = guest_tsc;
	t->system_time = now_ns;
	t->tsc_to_system_mul = mul;
	t->tsc_shift = shift;
	t->flags = flags & PVCLOCK_TSC_STABLE_BIT;   /* the only flag plinth sets */
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

void pvclock_fill_vcpu(struct pvclock_vcpu_time_info *t, uint32_t version,
		       const struct pvclock_vm_clock *c, uint64_t tsc_adjust, bool stable)
{
	uint64_t ref_tsc = 0 - c->vm_tsc_offset;    /* host TSC at the VM's creation */

	pvclock_fill(t, version, ref_tsc + guest_tsc_vcpu_offset(c->vm_tsc_offset, tsc_adjust),
		     pvclock_host_ns(ref_tsc, c->boot_tsc, c->hz), c->mul, c->shift,
		     stable ? PVCLOCK_TSC_STABLE_BIT : 0);
}
