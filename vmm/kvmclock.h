/* kvmclock.h - the paravirtual clock Linux calls kvm-clock (KVM's
 * Documentation/virt/kvm/x86/msr.rst, MSR_KVM_SYSTEM_TIME_NEW and
 * MSR_KVM_WALL_CLOCK_NEW; the same pvclock structures Xen defines), offered
 * through a KVM-compatible CPUID block at 0x40000100 beside plinth's own
 * leaves at 0x40000000 (vmm/cpuid_policy.c). It tells a guest the TSC
 * frequency, so Linux skips its PIT calibration (tsc: Fast TSC calibration,
 * the port-0x61 loops) on every CPU vendor, and gives it a clocksource read
 * with RDTSC alone, without exits.
 *
 * Per vCPU, the guest writes the guest-physical address of a 32-byte
 * struct pvclock_vcpu_time_info | 1 (enable) to MSR 0x4b564d01; plinth
 * fills it so that, for a guest TSC value t,
 *     system_time + scale(t - tsc_timestamp, tsc_to_system_mul, tsc_shift)
 * is plinth's platform time in ns (time_now_ns(): the clock the PIT, RTC
 * and local APIC timers run on), where scale(d) = ((d << shift, or >> -shift)
 * * mul) >> 32. The version field is odd while plinth writes and even
 * after. MSR 0x4b564d00 takes the address of a struct pvclock_wall_clock
 * that plinth fills at once with the RTC's wall time at system_time 0.
 *
 * The arithmetic is pure and host-tested (tests/unit/test_kvmclock.c); the
 * guest-memory side (kvmclock_after_wrmsr) is kernel-only. */
#ifndef VMM_KVMCLOCK_H
#define VMM_KVMCLOCK_H

#include <plinth/compiler.h>

#define MSR_KVM_WALL_CLOCK_NEW  0x4b564d00u
#define MSR_KVM_SYSTEM_TIME_NEW 0x4b564d01u
#define KVMCLOCK_ENABLE         1u      /* bit 0 of MSR_KVM_SYSTEM_TIME_NEW */

/* The guest's structures (pvclock-abi.h layout: little-endian, packed). */
struct pvclock_vcpu_time_info {
	uint32_t version;           /* odd while being updated */
	uint32_t pad0;
	uint64_t tsc_timestamp;     /* guest TSC when system_time was taken */
	uint64_t system_time;       /* ns */
	uint32_t tsc_to_system_mul; /* ns per TSC tick, 0.32 fixed point, after the shift */
	int8_t tsc_shift;
	uint8_t flags;              /* PVCLOCK_TSC_STABLE_BIT (0) left clear, see kvmclock.c */
	uint8_t pad[2];
} __attribute__((packed));
_Static_assert(sizeof(struct pvclock_vcpu_time_info) == 32, "the guest ABI's size");

struct pvclock_wall_clock {
	uint32_t version;
	uint32_t sec;               /* wall time at system_time 0 */
	uint32_t nsec;
} __attribute__((packed));
_Static_assert(sizeof(struct pvclock_wall_clock) == 12, "the guest ABI's size");

/* The multiplier and shift that turn TSC ticks at tsc_hz into ns: mul in
 * [2^31, 2^32) for the best precision. -EINVAL (logged) for a frequency
 * outside 1 kHz..2^40 Hz. */
int pvclock_scale(uint64_t tsc_hz, uint32_t *mul, int8_t *shift);
/* What the guest computes: ns for delta ticks (Linux pvclock_scale_delta). */
uint64_t pvclock_ticks_to_ns(uint64_t delta, uint32_t mul, int8_t shift);
/* What Linux derives from the structure as the TSC frequency in kHz
 * (pvclock_tsc_khz): it must come back as tsc_hz / 1000. */
uint64_t pvclock_khz(uint32_t mul, int8_t shift);
/* Fill *t for guest TSC guest_tsc taken at platform time now_ns, with the
 * given version (the caller writes version | 1 first, then the rest, then
 * the even version). */
void pvclock_fill(struct pvclock_vcpu_time_info *t, uint32_t version, uint64_t guest_tsc,
		  uint64_t now_ns, uint32_t mul, int8_t shift);
/* The wall clock at platform time 0 from the RTC's Unix time unix_base at
 * platform time origin_ns: unix_base s - origin_ns. */
void pvclock_wall_at_zero(int64_t unix_base, uint64_t origin_ns, uint32_t *sec, uint32_t *nsec);

struct vcpu;
/* After a successful WRMSR of msr by v (vmm/exit_cpu.c): for the kvm-clock
 * MSRs, fill the guest's structure; after a write that moved the guest's
 * TSC (IA32_TSC, IA32_TSC_ADJUST) refresh the vCPU's time info so it stays
 * in the guest's TSC domain. Other MSRs: nothing. */
void kvmclock_after_wrmsr(struct vcpu *v, uint32_t msr);

#endif
