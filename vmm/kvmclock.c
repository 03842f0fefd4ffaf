/* kvmclock.c - kvm-clock's guest-memory side (see kvmclock.h): fills the
 * structures whose addresses the guest wrote to the kvm-clock MSRs (the
 * MSRs' values live in struct msr_state, vmm/msr.c). */
#include <plinth/log.h>
#include <plinth/time.h>
#include <plinth/vm.h>
#include <x86/cpu.h>
#include "kvmclock.h"
#include "msr.h"
#include "platform.h"

/* Write the vCPU's time info for the guest TSC now, with the version
 * protocol: odd version, the fields, the next even version (the guest
 * retries a read that saw an odd or changed version). */
static void update_time_info(struct vcpu *v, struct msr_state *s)
{
	gpa_t gpa = s->kvm_system_time & ~(uint64_t)KVMCLOCK_ENABLE;
	struct pvclock_vcpu_time_info t;
	uint64_t host_tsc, now;
	uint32_t mul;
	int8_t shift;

	if (!(s->kvm_system_time & KVMCLOCK_ENABLE))
		return;
	if (pvclock_scale(tsc_hz(), &mul, &shift))
		return;
	host_tsc = rdtsc();
	now = time_now_ns();
	s->kvm_version = (s->kvm_version + 2) & ~1u;
	pvclock_fill(&t, s->kvm_version, host_tsc + vcpu_ops->get_tsc_offset(v), now, mul, shift);
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
	struct msr_state *s = vcpu_msr_state(v);

	if (msr == MSR_KVM_SYSTEM_TIME_NEW || msr_tsc_related(msr))
		update_time_info(v, s);
	else if (msr == MSR_KVM_WALL_CLOCK_NEW)
		write_wall_clock(v, s);
}
