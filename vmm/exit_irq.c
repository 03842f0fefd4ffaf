/* exit_irq.c - virtual interrupts: what the vCPU's interrupt controllers
 * (vlapic, and the 8259 pair through LINT0) present is injected before an
 * entry when the guest can take it, else an interrupt-window exit is
 * requested; HLT blocks the host CPU until the guest's timer fires; host
 * interrupts and NMIs that arrived while a guest ran. VMs run one at a
 * time on the BSP in this slice, so blocking is a host HLT with the host
 * LAPIC timer armed for the guest timer's deadline. */
#include <plinth/log.h>
#include <plinth/time.h>
#include <x86/lapic.h>
#include <x86/percpu.h>
#include "exit_internal.h"
#include "platform.h"

/* The vector the controllers present, or -1; *from_pic says whose. An
 * 8259 request through LINT0 in ExtINT mode bypasses the APIC's priority
 * logic (SDM vol. 3 §11.5.1, delivery mode ExtINT), so it goes first. */
static int pending_vector(struct vm_platform *p, bool *from_pic)
{
	uint8_t vector;

	*from_pic = vlapic_accepts_pic(&p->lapic) && vpic_pending(&p->pic, &vector);
	if (*from_pic)
		return vector;
	return vlapic_pending(&p->lapic);
}

/* The shortest host timer period armed for a guest timer (see
 * host_timer_arm). */
#define HOST_TIMER_MIN_US 20

static void set_window(struct vcpu *v, struct vm_platform *p, bool on)
{
	if (p->window_requested == on)
		return;
	vcpu_ops->request_intr_window(v, on);
	p->window_requested = on;
}

/* Arm the host LAPIC timer for guest time deadline (0: none), unless it
 * is armed for it already and has not fired yet. The interrupt makes the
 * guest exit (external-interrupt exiting), so the expiry is injected
 * even if the guest never exits by itself. The host timer is periodic:
 * if its first interrupt comes before the guest is entered (taken by the
 * host, no exit), the next one still makes the guest exit; the exit then
 * re-arms or stops it. Without a calibrated host timer the guest timer
 * is only seen at the guest's next exit. */
static void host_timer_arm(struct vm_platform *p, uint64_t deadline)
{
	uint32_t per_ms = lapic_timer_ticks_per_ms();
	uint64_t irqs = this_cpu()->timer_irqs, now, ticks;

	if (deadline == p->host_timer_deadline && (!deadline || irqs == p->host_timer_irqs))
		return;
	p->host_timer_deadline = deadline;
	p->host_timer_irqs = irqs;
	if (!per_ms)
		return;
	if (!deadline) {
		lapic_timer_oneshot(0);
		return;
	}
	now = time_now_ns();
	/* Round up: the host interrupt must not come before the deadline. A
	 * period below HOST_TIMER_MIN_US would flood the host with timer
	 * interrupts while the guest does not exit for them (Bochs exits
	 * for them only with guest IF=1, platform.md): the interrupt may then
	 * come up to that much after the deadline. */
	ticks = deadline > now ? ((deadline - now) * per_ms + 999999) / 1000000 : 0;
	ticks = MAX(ticks, MAX((uint64_t)per_ms * HOST_TIMER_MIN_US / 1000, 1ULL));
	lapic_timer_periodic((uint32_t)MIN(ticks, 0xFFFFFFFFULL));
}

void vcpu_deliver_interrupts(struct vcpu *v)
{
	struct vm_platform *p = v->vm->platform;
	bool from_pic;
	int vector;

	if (!p)
		return;
	vlapic_tick(&p->lapic, time_now_ns());
	vector = pending_vector(p, &from_pic);
	if (vector >= 0 && !vcpu_ops->interruptibility(v)) {
		const struct vcpu_event ev = { .type = EVENT_EXTINT, .vector = (uint8_t)vector };
		if (vcpu_ops->inject(v, &ev) == 0) {
			/* The CPU's acknowledge: the 8259's INTA cycle or the
			 * APIC's IRR -> ISR (SDM vol. 3 §11.8.4). */
			if (from_pic)
				vpic_ack(&p->pic);
			else
				vlapic_accept(&p->lapic, (uint8_t)vector);
			/* Another request waits for the window after this one. */
			vector = pending_vector(p, &from_pic);
		}
	}
	set_window(v, p, vector >= 0);
	host_timer_arm(p, vlapic_timer_deadline(&p->lapic));
}

enum exit_result exit_intr_window(struct vcpu *v, const struct vm_exit *e)
{
	/* vcpu_deliver_interrupts() injects before the next entry and asks
	 * for another window if more is pending. */
	if (v->vm->platform)
		set_window(v, v->vm->platform, false);
	else
		vcpu_ops->request_intr_window(v, false);
	return EXIT_RESUME;
}

/* Block the host CPU until guest time deadline: HLT with the host LAPIC
 * timer armed for it (other host interrupts wake it early: loop). */
static void host_wait_until(struct vm_platform *p, uint64_t deadline)
{
	uint64_t flags = irq_save();

	while (time_now_ns() < deadline) {
		host_timer_arm(p, deadline);
		if (!lapic_timer_ticks_per_ms()) {
			cpu_relax();
			continue;
		}
		/* STI's shadow covers HLT: an interrupt that is already
		 * pending wakes it instead of being taken before it. */
		__asm__ __volatile__("sti; hlt; cli" ::: "memory");
	}
	irq_restore(flags);
}

/* HLT (SDM vol. 2A "HLT"): the vCPU sleeps until an interrupt it can take
 * arrives, then continues after the HLT. With IF=0 only NMI, SMI or INIT
 * could wake it, which no device raises: the VM is stopped. With IF=1 it
 * waits for the virtual timer; with no source armed that can interrupt
 * it, nothing ever will and the VM is stopped too. */
enum exit_result exit_hlt(struct vcpu *v, const struct vm_exit *e)
{
	struct vm_platform *p = v->vm->platform;
	bool from_pic;

	if (!(v->rflags & RFLAGS_IF)) {
		vm_stop(v->vm, "halted with interrupts disabled at rip 0x%llx",
			(unsigned long long)v->rip);
		return EXIT_STOP;
	}
	for (;;) {
		uint64_t deadline;

		if (p) {
			vlapic_tick(&p->lapic, time_now_ns());
			if (pending_vector(p, &from_pic) >= 0)
				return EXIT_NEXT;
		}
		deadline = p ? vlapic_timer_deadline(&p->lapic) : 0;
		if (!deadline) {
			vm_stop(v->vm, "halted at rip 0x%llx waiting for an interrupt (no interrupt "
				"source is armed)", (unsigned long long)v->rip);
			return EXIT_STOP;
		}
		host_wait_until(p, deadline);
	}
}

/* Host events: the backend took the interrupt/NMI already. */
enum exit_result exit_host_event(struct vcpu *v, const struct vm_exit *e)
{
	return EXIT_RESUME;
}
