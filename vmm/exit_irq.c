/* exit_irq.c - virtual interrupts: what the vCPU's interrupt controllers
 * (vlapic, and the 8259 pair through LINT0) present is injected before an
 * entry when the guest can take it, else an interrupt-window exit is
 * requested; HLT takes the vCPU off the run queue until the guest's timer
 * fires (vcpu_halt, vmm/vm_sched.c); host interrupts and NMIs that arrived
 * while a guest ran. Each vCPU looks at its own local APIC; the 8259 (and
 * the platform timers) belong to vCPU 0. The APICs are changed by other
 * vCPUs and devices too: every look at them holds the platform lock
 * (platform.h); the fast path only reads their change flags. */
#include <plinth/insn_fetch.h>
#include <plinth/log.h>
#include <plinth/time.h>
#include <x86/lapic.h>
#include <x86/percpu.h>
#include "exit_internal.h"
#include "hlt_policy.h"
#include "platform.h"
#include "vcpu_sched.h"

/* The vector the controllers present, or -1; *from_pic says whose. An
 * 8259 request through LINT0 in ExtINT mode bypasses the APIC's priority
 * logic (SDM vol. 3 §11.5.1, delivery mode ExtINT), so it goes first. */
static int pending_vector(struct vm_platform *p, struct vcpu *v, bool *from_pic)
{
	struct vlapic *l = &p->lapic[v->id];
	uint8_t vector;

	*from_pic = v->id == 0 && vlapic_accepts_pic(l) && vpic_pending(&p->pic, &vector);
	if (*from_pic)
		return vector;
	return vlapic_pending(l);
}

/* What keeps an external interrupt out (vcpu_ops.interruptibility); NMI
 * blocking does not. */
#define EXTINT_BLOCKERS (VCPU_BLOCK_IF | VCPU_BLOCK_SHADOW | VCPU_BLOCK_EVENT)

/* The shortest host timer period armed for a guest timer (see
 * host_timer_arm). */
#define HOST_TIMER_MIN_US 20

static void set_window(struct vcpu *v, struct vm_platform *p, bool on)
{
	if (p->cpu[v->id].window_requested == on)
		return;
	vcpu_ops->request_intr_window(v, on);
	p->cpu[v->id].window_requested = on;
}

/* Arm the host LAPIC timer for guest time deadline (0: none), unless it
 * is armed for it already and has not fired yet. The interrupt makes the
 * guest exit (external-interrupt exiting), so the expiry is injected
 * even if the guest never exits by itself. The host timer is periodic:
 * if its first interrupt comes before the guest is entered (taken by the
 * host, no exit), the next one still makes the guest exit; the exit then
 * re-arms or stops it. Without a calibrated host timer the guest timer
 * is only seen at the guest's next exit. */
static void host_timer_arm(struct vm_platform_cpu *p, uint64_t deadline)
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

/* ns of guest time from now as host TSC ticks, rounded down (the fast
 * path then looks a little early, never late); seconds and the rest
 * apart so the product cannot overflow. ~0ULL without a TSC rate. */
static uint64_t ns_to_tsc(uint64_t ns)
{
	uint64_t hz = tsc_hz();

	if (!hz)
		return ~0ULL;
	return (ns / 1000000000ULL) * hz + (ns % 1000000000ULL) * hz / 1000000000ULL;
}

/* Nothing can be due for v: its vlapic has not changed since the last
 * full look, that look found nothing pending, its timer's next deadline
 * has not come, and (vCPU 0) no 8259 input has an unmasked request (the
 * PIC has no change flag: any request sends the entry down the full
 * path). Lock-free: whoever changes the APIC sets the flag under the
 * platform lock and then kicks v, so a change missed here makes v exit
 * and look again. */
static bool nothing_due(const struct vm_platform *p, const struct vcpu *v)
{
	const struct vlapic *l = &p->lapic[v->id];

	if (__atomic_load_n(&l->changed, __ATOMIC_ACQUIRE))
		return false;
	if (v->id == 0) {
		const struct vpic_chip *m = &p->pic.chip[0], *s = &p->pic.chip[1];
		if ((m->irr & ~m->imr) | (s->irr & ~s->imr))
			return false;
	}
	return rdtsc() < l->quiet_until_tsc;
}

static void set_nmi_window(struct vcpu *v, struct vlapic *l, bool on)
{
	if (l->nmi_window == on)
		return;
	/* -ENOTSUP (no NMI-window exiting): the NMI waits for the next exit,
	 * which looks again (quiet_until_tsc stays 0 while one is pending). */
	if (vcpu_ops->request_nmi_window(v, on) == 0)
		l->nmi_window = on;
}

/* An NMI the vlapic holds (ICR or another vCPU's NMI IPI) goes in before
 * any external interrupt (SDM vol. 3 §6.9 priority) unless NMIs are
 * blocked (a handler runs until IRET, §6.7.1), a STI/MOV SS shadow is on
 * or an event is already queued; then the NMI window is asked for. */
static void deliver_nmi(struct vcpu *v, struct vlapic *l)
{
	if (l->nmi_pending &&
	    !(vcpu_ops->interruptibility(v) & (VCPU_BLOCK_NMI | VCPU_BLOCK_SHADOW | VCPU_BLOCK_EVENT))) {
		const struct vcpu_event nmi = { .type = EVENT_NMI, .vector = 2 };
		if (vcpu_ops->inject(v, &nmi) == 0)
			vlapic_take_nmi(l);
	}
	set_nmi_window(v, l, l->nmi_pending);
}

/* An interrupt is pending, IF=1, and only the STI / MOV SS shadow keeps it
 * out. If the shadowed instruction is HLT (the STI; HLT idiom of every
 * idle loop), complete the HLT here: the processor would halt and be woken
 * at once by the pending interrupt, which is then delivered with the
 * return address after the HLT (SDM vol. 2B "STI": the shadow exists so
 * that STI; HLT cannot lose the wake-up; vol. 2A "HLT"). This leaves the
 * interrupt nothing to wait for, and the SVM interrupt window (V_IRQ) is
 * not needed inside a shadow: QEMU TCG does not restore the VMCB's
 * INTERRUPT_SHADOW at VMRUN, so after a #VMEXIT(INTR) that fell between
 * the STI and the HLT (the host interrupt is not held off by the guest's
 * shadow with V_INTR_MASKING) it took the virtual interrupt before the
 * HLT: the handler ran, and the HLT then slept with the wake-up spent. */
static void complete_shadowed_hlt(struct vcpu *v)
{
	uint8_t insn[INSN_MAX_LEN];
	enum insn_mode mode;

	if ((vcpu_ops->interruptibility(v) & EXTINT_BLOCKERS) != VCPU_BLOCK_SHADOW)
		return;
	if (hlt_completes_in_shadow(true, insn, vcpu_fetch_insn(v, insn, &mode)))
		vcpu_ops->skip_insn(v, 1);
}

/* The full look (vcpu_deliver_interrupts' contract), when the fast path
 * cannot rule out that something is due. */
static __attribute__((noinline)) void deliver_slow(struct vcpu *v, struct vm_platform *p)
{
	struct vlapic *l = &p->lapic[v->id];
	uint64_t now_tsc, now, deadline, flags;
	bool from_pic;
	int vector;

	flags = vm_platform_lock(p);
	l->changed = false;
	now_tsc = rdtsc();
	now = time_now_ns();
	/* Its LAPIC timer, and for vCPU 0 the PIT's and the RTC's
	 * interrupts (vmm/platform.c). */
	deadline = vcpu_halt_deadline(v, now);
	deliver_nmi(v, l);
	vector = pending_vector(p, v, &from_pic);
	if (vector >= 0)
		complete_shadowed_hlt(v);
	if (vector >= 0 && !(vcpu_ops->interruptibility(v) & EXTINT_BLOCKERS)) {
		const struct vcpu_event ev = { .type = EVENT_EXTINT, .vector = (uint8_t)vector };
		if (vcpu_ops->inject(v, &ev) == 0) {
			/* The CPU's acknowledge: the 8259's INTA cycle or the
			 * APIC's IRR -> ISR (SDM vol. 3 §11.8.4). */
			if (from_pic)
				vpic_ack(&p->pic);
			else
				vlapic_accept(l, (uint8_t)vector);
			/* Another request waits for the window after this one. */
			vector = pending_vector(p, v, &from_pic);
		}
	}
	set_window(v, p, vector >= 0);
	host_timer_arm(&p->cpu[v->id], deadline);
	/* The fast path may skip the entries until the timer's deadline, as
	 * long as nothing is pending; the vlapic's changed flag ends the
	 * quiet time early. */
	if (vector >= 0 || l->nmi_pending)
		l->quiet_until_tsc = 0;
	else if (!deadline)
		l->quiet_until_tsc = ~0ULL;
	else
		l->quiet_until_tsc = deadline > now ? now_tsc + ns_to_tsc(deadline - now) : 0;
	vm_platform_unlock(p, flags);
}

void vcpu_deliver_interrupts(struct vcpu *v)
{
	struct vm_platform *p = v->vm->platform;

	if (p && !nothing_due(p, v))
		deliver_slow(v, p);
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

/* The guest can take an NMI again: the next entry injects it. */
enum exit_result exit_nmi_window(struct vcpu *v, const struct vm_exit *e)
{
	/* Off in the backend whatever the flag says (a vlapic reset clears
	 * the flag); the next entry injects or asks again. */
	vcpu_ops->request_nmi_window(v, false);
	if (v->vm->platform) {
		struct vlapic *l = vcpu_vlapic(v);
		l->nmi_window = false;
		__atomic_store_n(&l->changed, true, __ATOMIC_RELEASE);
	}
	return EXIT_RESUME;
}

/* Can another vCPU of v's VM still run (or be woken by a timer) and so
 * send v an interrupt? False when every other one waits for a SIPI or is
 * halted with no timer armed (a racy look: a kick on its way may change
 * it, as a device could). */
static bool others_may_wake(struct vcpu *v)
{
	struct vm *vm = v->vm;

	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *o = vm->vcpus[i];
		uint64_t deadline;
		if (o == v || vcpu_waits_for_sipi(o))
			continue;
		if (!vcpu_halted(o, &deadline) || deadline)
			return true;
	}
	return false;
}

/* HLT (SDM vol. 2A "HLT"): the vCPU sleeps until an interrupt it can take
 * arrives, then continues after the HLT. With IF=1 it waits for its timer
 * (vCPU 0 also for the PIT and RTC) or an IPI; with IF=0 only NMI, SMI,
 * INIT (or a SIPI) end it, which only another vCPU can send. When nothing
 * can ever wake it (no timer armed and no other vCPU running or able to
 * wake, or IF=0 in a one-vCPU VM) the VM is stopped.
 *
 * The look for a pending interrupt and the halted flag are set under the
 * platform lock, the lock under which every sender sets an IRR bit and
 * then kicks (vm_platform_unlock): a sender either comes first (the look
 * sees its interrupt) or finds the vCPU halted and wakes it (vcpu_kick ->
 * vcpu_unhalt). Setting the flag after dropping the lock lost wake-ups: an
 * IPI in between found the vCPU not halted, and it then slept with the
 * interrupt pending until its next timer, or for good without one. */
enum exit_result exit_hlt(struct vcpu *v, const struct vm_exit *e)
{
	struct vm_platform *p = v->vm->platform;
	struct hlt_view h = {
		.if_set = (v->rflags & RFLAGS_IF) != 0,
		.nr_vcpus = v->vm->nr_vcpus,
	};
	enum hlt_action action;
	uint64_t deadline, flags = 0;
	bool from_pic;

	if (p) {
		struct vlapic *l = vcpu_vlapic(v);
		flags = vm_platform_lock(p);
		h.timer_deadline = vcpu_halt_deadline(v, time_now_ns());
		h.nmi_init_sipi = l->nmi_pending || l->init_pending || l->sipi_pending;
		h.extint_pending = pending_vector(p, v, &from_pic) >= 0;
	}
	h.others_may_wake = others_may_wake(v);
	action = hlt_decide(&h, &deadline);
	/* The vCPU leaves the run queue until its timer's deadline or a kick
	 * (vmm/vm_sched.c); it resumes after the HLT, the interrupt injected
	 * at that entry. */
	if (action == HLT_SLEEP)
		vcpu_halt(v, deadline);
	if (p)
		vm_platform_unlock(p, flags);
	if (action != HLT_STOP_VM)
		return EXIT_NEXT;
	if (!h.if_set && h.nr_vcpus <= 1)
		vm_stop(v->vm, "halted with interrupts disabled at rip 0x%llx",
			(unsigned long long)v->rip);
	else
		vm_stop(v->vm, "halted at rip 0x%llx waiting for an interrupt (%s)",
			(unsigned long long)v->rip,
			!h.if_set ? "interrupts disabled and no other vCPU can send an NMI or INIT"
			: h.nr_vcpus > 1 ? "no interrupt source is armed on any vCPU"
					 : "no interrupt source is armed");
	return EXIT_STOP;
}

/* Host events: the backend took the interrupt/NMI already. */
enum exit_result exit_host_event(struct vcpu *v, const struct vm_exit *e)
{
	return EXIT_RESUME;
}
