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
 * One clock per VM (KVM's "master clock"): every vCPU's structure is
 * written from the same reference pair, the host TSC when the VM was
 * created (ref) and plinth's time at that TSC, so two vCPUs whose TSC
 * offsets are equal compute the same ns for the same instant whenever each
 * structure was written: tsc_timestamp is the vCPU's guest TSC at ref
 * (ref + its offset) and system_time the ns at ref. Nothing is rewritten
 * as time passes (that would need every vCPU stopped at once, as KVM does
 * for a master clock update); the guest's scale differs from plinth's
 * exact conversion by less than 2^-31 (under 2 us an hour).
 *
 * The guest TSC (vmm/vcpu.c, vmm/msr.c): the VM has one TSC offset,
 * vm->tsc_offset, set when the VM is created so that every vCPU's TSC
 * reads 0 then, as all processors' TSCs do after a power-on reset (SDM
 * vol. 3 §18.17). Each logical processor still has its own TSC (§18.17):
 * a WRMSR to IA32_TSC moves that vCPU's TSC and IA32_TSC_ADJUST by the
 * same amount, and a WRMSR to IA32_TSC_ADJUST moves its TSC by the change
 * (§18.17.3). So TSC - TSC_ADJUST stays the VM's common count, and
 *     vCPU offset = vm->tsc_offset + that vCPU's TSC_ADJUST
 * (guest_tsc_vcpu_offset); the vCPUs' TSCs are one clock exactly when
 * their TSC_ADJUST values are equal. The offset sits in the backend's TSC
 * offset field (VMCS TSC offset, SDM vol. 3 §25.6.5; VMCB TSC_OFFSET at
 * 050h, AMD APM vol. 2 Table B-1; the value the backend's create op
 * wrote is replaced before the first entry), which the CPU adds at every
 * entry on whatever host CPU runs the vCPU: one guest clock as long as the
 * host CPUs' TSCs are one clock, which plinth measures at boot
 * (x86/tsc_sync.h). Plinth does not correct the offset per host CPU: where
 * the measurement found them apart, the guest is offered neither an
 * invariant TSC nor the stable bit, so Linux checks its TSCs itself and
 * falls back to kvm-clock's per-CPU monotonic fix-up.
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
	uint8_t flags;              /* PVCLOCK_TSC_STABLE_BIT or 0 (pvclock_tsc_stable) */
	uint8_t pad[2];
} __attribute__((packed));
_Static_assert(sizeof(struct pvclock_vcpu_time_info) == 32, "the guest ABI's size");

struct pvclock_wall_clock {
	uint32_t version;
	uint32_t sec;               /* wall time at system_time 0 */
	uint32_t nsec;
} __attribute__((packed));
_Static_assert(sizeof(struct pvclock_wall_clock) == 12, "the guest ABI's size");

/* pvclock flags bit 0 (KVM Documentation/virt/kvm/x86/msr.rst,
 * MSR_KVM_SYSTEM_TIME_NEW): time read on different vCPUs is monotonic. */
#define PVCLOCK_TSC_STABLE_BIT  (1u << 0)

/* The offset of a vCPU's TSC from the host TSC: the VM's offset plus the
 * vCPU's IA32_TSC_ADJUST (the model above). */
uint64_t guest_tsc_vcpu_offset(uint64_t vm_tsc_offset, uint64_t tsc_adjust);
/* The VM's offset for a VM created at host TSC host_tsc_now: the guest TSCs
 * read 0 then (power-on). */
uint64_t guest_tsc_vm_offset(uint64_t host_tsc_now);
/* Whether the host TSC can carry one guest clock: the boot warp test
 * (x86/tsc_sync.h) found the host CPUs' TSCs in step, and their rate is
 * constant: invariant (CPUID 0x80000007 EDX[8]), or plinth itself runs in
 * a virtual machine (CPUID 1 ECX[31]), whose TSC is one virtual counter
 * for all its CPUs. See pvclock.c. */
bool guest_tsc_host_reliable(bool host_in_step, bool host_invariant, bool host_virtual);
/* PVCLOCK_TSC_STABLE_BIT for a VM whose n vCPUs have the given
 * IA32_TSC_ADJUST values: the host TSC is reliable and all are equal.
 * See pvclock.c for the rule. */
bool pvclock_tsc_stable(const uint64_t *tsc_adjust, unsigned n, bool host_reliable);
/* plinth's time in ns at host TSC value host_tsc, as time_now_ns computes
 * it (arch/x86/time.c): ticks since boot_tsc at hz. 0 for hz 0. */
uint64_t pvclock_host_ns(uint64_t host_tsc, uint64_t boot_tsc, uint64_t hz);

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
 * the even version) and flags (PVCLOCK_TSC_STABLE_BIT or 0). */
void pvclock_fill(struct pvclock_vcpu_time_info *t, uint32_t version, uint64_t guest_tsc,
		  uint64_t now_ns, uint32_t mul, int8_t shift, uint8_t flags);
/* What a VM's time info is computed from (kvmclock.h, one clock per VM). */
struct pvclock_vm_clock {
	uint64_t vm_tsc_offset;     /* vm->tsc_offset: guest TSC 0 at host TSC -offset */
	uint64_t boot_tsc;          /* host TSC at plinth time 0 (tsc_boot_value) */
	uint64_t hz;                /* host TSC rate (tsc_hz) */
	uint32_t mul;               /* pvclock_scale(hz) */
	int8_t shift;
};
/* Fill *t for a vCPU with the given IA32_TSC_ADJUST: tsc_timestamp is the
 * vCPU's guest TSC at the VM's creation (the reference host TSC plus
 * guest_tsc_vcpu_offset), system_time plinth's time at that host TSC,
 * flags PVCLOCK_TSC_STABLE_BIT when stable. */
void pvclock_fill_vcpu(struct pvclock_vcpu_time_info *t, uint32_t version,
		       const struct pvclock_vm_clock *c, uint64_t tsc_adjust, bool stable);
/* The wall clock at platform time 0 from the RTC's Unix time unix_base at
 * platform time origin_ns: unix_base s - origin_ns. */
void pvclock_wall_at_zero(int64_t unix_base, uint64_t origin_ns, uint32_t *sec, uint32_t *nsec);

struct vcpu;
struct vm;
/* The host side of the stable rule, for this host (guest_tsc_host_reliable
 * over x86/tsc_sync.h and CPUID): the guest's CPUID offers an invariant
 * TSC (0x80000007 EDX[8]) and KVM_FEATURE_CLOCKSOURCE_STABLE_BIT
 * (0x40000101 EAX[24]) exactly when this is true. */
bool kvmclock_host_tsc_reliable(void);
/* Give vm its TSC offset at creation (guest_tsc_vm_offset of now), before
 * its vCPUs are created; logs the clock the guest gets. */
void kvmclock_vm_init(struct vm *vm);
/* After a successful WRMSR of msr by v (vmm/exit_cpu.c): for the kvm-clock
 * MSRs, fill the guest's structure; after a write that moved the guest's
 * TSC (IA32_TSC, IA32_TSC_ADJUST) refresh the time info of every vCPU of
 * the VM: v's so it stays in v's TSC domain, all of them because the
 * stable bit may have changed. Other MSRs: nothing. */
void kvmclock_after_wrmsr(struct vcpu *v, uint32_t msr);

#endif
