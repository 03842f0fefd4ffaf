/* kvmclock.c - kvm-clock's guest-memory side (see kvmclock.h): fills the
 * structures whose addresses the guest wrote to the kvm-clock MSRs (the
 * MSRs' values live in struct msr_state, vmm/msr.c), all of a VM's from
 * its one reference clock, with the stable bit while its vCPUs' TSCs are
 * one clock; gives a new VM its TSC offset; decides from the host TSC
 * whether guests are told their TSC is invariant and stable. */
#include <plinth/log.h>
#include <plinth/spinlock.h>
#include <plinth/time.h>
#include <plinth/vm.h>
#include <x86/arch.h>
#include <x86/cpu.h>
#include <x86/cpu_features.h>
#include <x86/tsc_sync.h>
#include "kvmclock.h"
#include "msr.h"
#include "platform.h"

/* Serialises the writes of time info (one vCPU's exit may rewrite every
 * vCPU's structure, and their version counters) and the reads of the
 * vCPUs' TSC_ADJUST values that decide the stable bit. Taken only on
 * kvm-clock and TSC MSR writes; nothing is taken under it. */
static spinlock_t kvmclock_lock;

/* CPUID 1 ECX[31]: plinth runs in a virtual machine. */
static bool host_is_virtual(void)
{
	uint32_t a, b, c, d;

	cpuid(1, &a, &b, &c, &d);
	return (c & BIT(31)) != 0;
}

bool kvmclock_host_tsc_reliable(void)
{
	/* 0 until computed, then 1 (no) or 2 (yes): nothing it depends on
	 * changes after the APs came up, before any VM. */
	static int cached;
	int c = __atomic_load_n(&cached, __ATOMIC_RELAXED);

	if (!c) {
		c = guest_tsc_host_reliable(tsc_host_synchronized(),
					    cpu_features()->invariant_tsc, host_is_virtual()) ? 2 : 1;
		__atomic_store_n(&cached, c, __ATOMIC_RELAXED);
	}
	return c == 2;
}

void kvmclock_vm_init(struct vm *vm)
{
	bool reliable = kvmclock_host_tsc_reliable();

	vm->tsc_offset = guest_tsc_vm_offset(rdtsc());
	pr_info("vm %s: guest TSC: one clock for its %u vCPU%s, %s", vm->name,
		vm_vcpus_wanted(vm), vm_vcpus_wanted(vm) == 1 ? "" : "s",
		reliable ? "offered as invariant and stable (host TSCs in step)"
			 : "not offered as invariant or stable (the host TSCs are not known to "
			   "be one constant-rate clock)");
}

/* Whether the TSCs of v's VM are one clock now (pvclock_tsc_stable over
 * its vCPUs' TSC_ADJUST values). kvmclock_lock held. */
static bool vm_tsc_stable(struct vm *vm)
{
	uint64_t adjust[VM_MAX_VCPUS];
	unsigned n = 0;

	for (unsigned i = 0; i < vm->nr_vcpus && i < VM_MAX_VCPUS; i++)
		if (vm->vcpus[i])
			adjust[n++] = __atomic_load_n(&vcpu_msr_state(vm->vcpus[i])->tsc_adjust,
						      __ATOMIC_RELAXED);
	return pvclock_tsc_stable(adjust, n, kvmclock_host_tsc_reliable());
}

/* Write v's time info from the VM's reference (kvmclock.h), with the
 * version protocol: odd version, the fields, the next even version (the
 * guest retries a read that saw an odd or changed version). The vCPU's
 * TSC offset comes from its TSC_ADJUST (the model in kvmclock.h), not
 * from the backend, so any CPU may write any vCPU's structure.
 * kvmclock_lock held. */
static void update_time_info(struct vcpu *v, bool stable)
{
	struct msr_state *s = vcpu_msr_state(v);
	gpa_t gpa = s->kvm_system_time & ~(uint64_t)KVMCLOCK_ENABLE;
	struct pvclock_vm_clock c = {
		.vm_tsc_offset = v->vm->tsc_offset, .boot_tsc = tsc_boot_value(), .hz = tsc_hz(),
	};
	struct pvclock_vcpu_time_info t;

	if (!(s->kvm_system_time & KVMCLOCK_ENABLE))
		return;
	if (pvclock_scale(c.hz, &c.mul, &c.shift))
		return;
	s->kvm_version = (s->kvm_version + 2) & ~1u;
	pvclock_fill_vcpu(&t, s->kvm_version, &c, s->tsc_adjust, stable);
	t.version = s->kvm_version - 1;
	if (vm_write_guest(v->vm, gpa, (const uint8_t *)&t, 4) ||
	    vm_write_guest(v->vm, gpa + 4, (const uint8_t *)&t + 4, sizeof(t) - 4)) {
		/* Not RAM (vm_write_guest logged it): the clock stays off,
		 * as KVM leaves it for an address outside guest memory. */
		s->kvm_system_time &= ~(uint64_t)KVMCLOCK_ENABLE;
		return;
	}
	t.version = s->kvm_version;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	vm_write_guest(v->vm, gpa, (const uint8_t *)&t, 4);
}

/* The wall clock: the RTC's time at platform time 0 (the RTC runs on the
 * same platform clock, vmm/vrtc.c). A VM without the PC platform has no
 * RTC: the Unix epoch then. */
static void write_wall_clock(struct vcpu *v, struct msr_state *s)
{
	struct vm_platform *p = v->vm->platform;
	struct pvclock_wall_clock w = { .version = 0 };
	uint32_t sec = 0, nsec = 0;

	s->kvm_wall_version = (s->kvm_wall_version + 2) & ~1u;
	if (p) {
		uint64_t f = vm_platform_lock(p);
		pvclock_wall_at_zero(p->rtc.unix_base, p->rtc.origin_ns, &sec, &nsec);
		vm_platform_unlock(p, f);
	}
	w.sec = sec;
	w.nsec = nsec;
	w.version = s->kvm_wall_version - 1;
	if (vm_write_guest(v->vm, s->kvm_wall_clock, (const uint8_t *)&w, 4) ||
	    vm_write_guest(v->vm, s->kvm_wall_clock + 4, (const uint8_t *)&w + 4, 8))
		return;
	w.version = s->kvm_wall_version;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	vm_write_guest(v->vm, s->kvm_wall_clock, (const uint8_t *)&w, 4);
}

void kvmclock_after_wrmsr(struct vcpu *v, uint32_t msr)
{
	struct vm *vm = v->vm;
	uint64_t flags;

	if (msr == MSR_KVM_WALL_CLOCK_NEW) {
		write_wall_clock(v, vcpu_msr_state(v));
		return;
	}
	if (msr != MSR_KVM_SYSTEM_TIME_NEW && !msr_tsc_related(msr))
		return;
	flags = spin_lock_irqsave(&kvmclock_lock);
	bool stable = vm_tsc_stable(vm);
	if (msr == MSR_KVM_SYSTEM_TIME_NEW) {
		update_time_info(v, stable);
	} else {
		/* v's TSC moved: its own structure follows it, and the stable
		 * bit of every vCPU's may have changed with it. */
		for (unsigned i = 0; i < vm->nr_vcpus && i < VM_MAX_VCPUS; i++)
			if (vm->vcpus[i])
				update_time_info(vm->vcpus[i], stable);
	}
	spin_unlock_irqrestore(&kvmclock_lock, flags);
}
