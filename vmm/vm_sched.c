/* vm_sched.c - the per-CPU scheduler loop that runs vCPUs (the seeds' VMM
 * switch sequence: timer in the running VM -> save its state -> pick the
 * next -> set the timer -> restore the next VM's state -> resume), halted
 * vCPUs waiting for their virtual timer, reschedule IPIs between CPUs, and
 * taking a stopped VM's vCPUs off the scheduler.
 *
 * Every CPU runs vmm_cpu_loop once the scheduler is up (the BSP after
 * building the boot VMs, the APs instead of idling): sched_schedule picks
 * a vCPU and switches it in (vmm/vcpu.c hooks), vcpu_run_slice runs it
 * until its slice ends (VMX preemption timer, or the host LAPIC timer with
 * the INTR intercept on SVM: a guest spinning with IF=0 cannot keep the
 * CPU), it halts (sched_block, woken at its virtual-timer deadline or by a
 * kick) or its VM stops; then the loop accounts and picks again. With
 * nothing to run the CPU halts with the LAPIC timer armed for the earliest
 * sleeper deadline or the period in which a capped VM may run again.
 * Cross-CPU: the scheduler's kick masks become VEC_IPI_RESCHED IPIs; the
 * handler sets the CPU's resched flag, which the run slice checks after
 * every VM exit (the IPI itself makes a guest with IF=1 exit at once).
 *
 * Sleepers are few (one per halted vCPU): a small table under a spinlock,
 * scanned linearly, with the earliest deadline cached for the run slices
 * (which make their guest exit then, so a sleeper is woken in time even
 * when every CPU is busy).
 *
 * Kicks: how an interrupt sent to a vCPU from elsewhere (another vCPU's
 * IPI, a device, the console) reaches it without a lost wake-up.
 *  Sender: (S1) under the VM's platform lock, set the IRR bit (or NMI,
 *    INIT, SIPI) in the target's vlapic and its `changed` flag; (S2) still
 *    under that lock (vm_platform_unlock) or after it, vcpu_kick(target):
 *    unpark it (waiting for a SIPI), else unhalt it (atomic exchange of
 *    `halted`: exactly one of kick and timer wakes it) and put it on a run
 *    queue, else, when it is RUNNING on another CPU, vm_sched_kick: set
 *    that CPU's resched flag, then send VEC_IPI_RESCHED.
 *  Target halting: exit_hlt and halt_really_ends look for a pending
 *    interrupt and set `halted` in one platform-lock section, so S1 comes
 *    either before the look (seen: no halt) or after `halted` is set (the
 *    kick finds it halted). The loop then blocks it, adds it to the
 *    sleepers only if still halted, and wakes it again if a kick unhalted
 *    it meanwhile (loop_once, SLICE_HALTED).
 *  Target running: the run slice's last look before an entry (resched
 *    flag, then vlapic `changed`, vcpu_deliver_interrupts) runs with host
 *    interrupts disabled until VMRUN/VMRESUME: a reschedule IPI that came
 *    before it set the flag (seen), one after it stays pending and makes
 *    the guest exit at once (INTR intercept / external-interrupt exiting).
 *  Target about to run: it was queued (not RUNNING) when the sender looked,
 *    so no IPI; its `changed` store (S1) and its state load in vcpu_kick
 *    are ordered by a full fence there, and the target's switch-in (state
 *    RUNNING) and its load of `changed` by the atomic exchange at the start
 *    of its run slice: one of the two sees the other (store-load order
 *    needs the fence on x86, SDM vol. 3 §10.2.3.4).
 *  Idle CPU: idle() checks its resched flag with interrupts disabled and
 *    halts with STI; HLT, so an IPI after the check ends the HLT. */
#include <plinth/log.h>
#include <plinth/options.h>
#include <plinth/panic.h>
#include <plinth/spinlock.h>
#include <plinth/time.h>
#include <plinth/virt.h>
#include <plinth/vm.h>
#include <x86/arch.h>
#include <x86/cpu.h>
#include <x86/fpu.h>
#include <x86/irq.h>
#include <x86/lapic.h>
#include <x86/percpu.h>
#include "vcpu_sched.h"

#define MAX_SLEEPERS 256

static volatile bool sched_ready;
static unsigned sched_ncpus;
/* Per CPU: "call sched_schedule": set by kicks, cleared by the loop. */
static volatile bool resched[MAX_CPUS];
/* Per CPU statistics: vCPU switches (a different vCPU than the last one
 * was switched in, not counting the first) and run slices. */
static uint64_t cpu_switches[MAX_CPUS], cpu_slices[MAX_CPUS];
static struct vcpu *cpu_last[MAX_CPUS];
/* Switch cost: TSC ticks from the end of one vCPU's run (the exit that
 * ended it) to the start of another's (sched_schedule, the hooks: XSAVE,
 * VMCLEAR, VMPTRLD, XRSTOR), summed per CPU. */
static uint64_t cpu_switch_tsc[MAX_CPUS], cpu_run_end_tsc[MAX_CPUS];
/* Wake-up latency: from a halted vCPU's timer deadline to its next entry. */
static uint64_t wake_count, wake_sum_ns, wake_max_ns;

static spinlock_t sleep_lock = SPINLOCK_INIT;
static struct vcpu *sleepers[MAX_SLEEPERS];
static unsigned nr_sleepers;
static uint64_t next_wake = UINT64_MAX;   /* earliest sleeper deadline (atomic) */

uint64_t vm_sched_next_wake(void)
{
	return __atomic_load_n(&next_wake, __ATOMIC_ACQUIRE);
}

/* Recompute next_wake (sleep_lock held). */
static void update_next_wake(void)
{
	uint64_t min = UINT64_MAX, d;

	for (unsigned i = 0; i < nr_sleepers; i++)
		if (vcpu_halted(sleepers[i], &d) && d && d < min)
			min = d;
	__atomic_store_n(&next_wake, min, __ATOMIC_RELEASE);
}

/* Take v off the sleeper table (sleep_lock held). */
static void sleeper_remove(struct vcpu *v)
{
	for (unsigned i = 0; i < nr_sleepers; i++)
		if (sleepers[i] == v) {
			sleepers[i] = sleepers[--nr_sleepers];
			break;
		}
}

void vm_sched_kick(uint64_t mask)
{
	unsigned me = this_cpu()->cpu_id;

	for (unsigned cpu = 0; mask && cpu < MAX_CPUS; cpu++) {
		struct percpu *pc;

		if (!(mask & BIT(cpu)))
			continue;
		mask &= ~BIT(cpu);
		resched[cpu] = true;
		if (cpu == me)
			continue;
		pc = percpu_of(cpu);
		if (pc && pc->online)
			lapic_send_ipi(pc->apic_id, VEC_IPI_RESCHED);
	}
}

/* Make the halted v runnable again (the caller cleared its halted flag). */
static void wake_entity(struct vcpu *v, uint64_t now)
{
	uint64_t kick = 0;

	if (sched_wake(vcpu_entity(v), now, &kick) > 0 || kick)
		vm_sched_kick(kick);
}

void vm_sched_sleep(struct vcpu *v, uint64_t deadline_ns)
{
	uint64_t flags = spin_lock_irqsave(&sleep_lock);

	(void)deadline_ns;   /* vcpu_halted() reports it */
	/* A kick between the halt and here cleared the flag: then v must not
	 * sleep (the caller wakes it). */
	if (vcpu_halted(v, NULL)) {
		if (nr_sleepers == MAX_SLEEPERS)
			panic("vm_sched: more than %u halted vCPUs", MAX_SLEEPERS);
		sleepers[nr_sleepers++] = v;
		update_next_wake();
	}
	spin_unlock_irqrestore(&sleep_lock, flags);
}

void vm_sched_wake_due(uint64_t now)
{
	struct vcpu *due[16];
	unsigned n = 0;
	uint64_t flags, d;

	if (now < vm_sched_next_wake())
		return;
	flags = spin_lock_irqsave(&sleep_lock);
	for (unsigned i = 0; i < nr_sleepers && n < ARRAY_SIZE(due);) {
		struct vcpu *v = sleepers[i];
		if (vcpu_halted(v, &d) && d && d <= now && vcpu_unhalt(v)) {
			due[n++] = v;
			sleepers[i] = sleepers[--nr_sleepers];
			continue;
		}
		i++;
	}
	update_next_wake();
	spin_unlock_irqrestore(&sleep_lock, flags);
	for (unsigned i = 0; i < n; i++)
		wake_entity(due[i], now);
}

void vcpu_kick(struct vcpu *v)
{
	struct sched_entity *se = vcpu_entity(v);

	/* Waiting for a SIPI: only the SIPI (its APIC left wait-for-SIPI)
	 * or the VM's stop wakes it. */
	if (vcpu_unpark(v, v->vm->state != VM_RUNNING)) {
		wake_entity(v, time_now_ns());
		return;
	}
	if (vcpu_unhalt(v)) {
		uint64_t flags = spin_lock_irqsave(&sleep_lock);
		sleeper_remove(v);
		update_next_wake();
		spin_unlock_irqrestore(&sleep_lock, flags);
		wake_entity(v, time_now_ns());
		return;
	}
	/* Running elsewhere: the IPI makes it exit so the new interrupt is
	 * injected at its next entry. The fence orders the caller's vlapic
	 * change before the look at the state ("Kicks" above). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (sched_entity_state(se) == SCHED_RUNNING && sched_entity_cpu(se) != this_cpu()->cpu_id)
		vm_sched_kick(BIT(sched_entity_cpu(se)));
}

void vm_sched_stop_siblings(struct vcpu *v)
{
	struct vm *vm = v->vm;

	/* v is still on the scheduler (it leaves after its switch-out), so
	 * the VM's vCPUs cannot be freed meanwhile. */
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpus[i] != v && vcpu_on_scheduler(vm->vcpus[i]))
			vcpu_kick(vm->vcpus[i]);
}

static void resched_ipi(struct irq_frame *frame)
{
	(void)frame;
	resched[this_cpu()->cpu_id] = true;
}

int vmm_sched_init(void)
{
	uint64_t slice = hv_opts.sched_slice_ms ? hv_opts.sched_slice_ms * 1000000ULL : 0;
	int err;

	sched_ncpus = cpu_online_count();
	err = sched_init(sched_ncpus, NULL, slice);
	if (err)
		return err;
	err = irq_set_handler(VEC_IPI_RESCHED, resched_ipi);
	if (err) {
		pr_err("vm_sched: cannot take the reschedule vector 0x%x (error %d)",
		       VEC_IPI_RESCHED, err);
		return err;
	}
	fpu_init();
	pr_info("sched: %s policy, %llu us slices, %u CPUs", sched_policy_name(),
		(unsigned long long)(sched_slice_ns() / 1000), sched_ncpus);
	__atomic_store_n(&sched_ready, true, __ATOMIC_RELEASE);
	/* The APs halt until the scheduler exists: wake them. */
	vm_sched_kick(((sched_ncpus >= 64) ? ~0ULL : BIT(sched_ncpus) - 1) &
		      ~BIT(this_cpu()->cpu_id));
	return 0;
}

/* Nothing to run: halt until an interrupt, with the LAPIC timer armed for
 * the earliest sleeper or, if slice_ns, the time a capped VM may run. */
static void idle(unsigned cpu, uint64_t now, uint64_t slice_ns)
{
	uint64_t deadline = vm_sched_next_wake();
	uint32_t per_ms = lapic_timer_ticks_per_ms();

	if (slice_ns)
		deadline = MIN(deadline, now + slice_ns);
	irq_disable();
	if (resched[cpu] || (deadline != UINT64_MAX && time_now_ns() >= deadline)) {
		irq_enable();
		return;
	}
	if (per_ms && deadline != UINT64_MAX) {
		uint64_t ns = deadline > now ? deadline - now : 1;
		uint64_t ticks = (ns * per_ms + 999999) / 1000000;
		lapic_timer_oneshot((uint32_t)MIN(MAX(ticks, 1ULL), 0xFFFFFFFFULL));
	} else if (per_ms) {
		lapic_timer_oneshot(0);
	}
	/* STI's shadow covers HLT: an interrupt already pending wakes it. */
	__asm__ __volatile__("sti; hlt" ::: "memory");
}

/* A vCPU whose VM stopped was switched out: take it off the scheduler and,
 * with its VM's last vCPU, run the VM's stop handler. */
static void vcpu_gone(struct vcpu *v)
{
	struct vm *vm = v->vm;

	if (!vcpu_leave_scheduler(v))
		return;
	if (__atomic_sub_fetch(&vm->live_vcpus, 1, __ATOMIC_ACQ_REL) == 0 &&
	    !__atomic_exchange_n(&vm->finished, true, __ATOMIC_ACQ_REL) && vm->on_stopped)
		vm->on_stopped(vm);
}

void vm_reap(struct vm *vm)
{
	struct vcpu *mine[VM_MAX_VCPUS];
	unsigned n = 0;
	uint64_t kick = 0;

	if (!vm->nr_vcpus || !__atomic_load_n(&vm->live_vcpus, __ATOMIC_ACQUIRE))
		return;
	/* Off the run queues (a paused group runs nothing, so no vCPU of it
	 * can start running again); a running vCPU stops at its CPU's next
	 * reschedule (kicked here), after its switch_out. */
	sched_pause_group(&vm->sched, time_now_ns(), &kick);
	vm_sched_kick(kick);
	/* First decide for every vCPU, then remove: the last vcpu_gone may
	 * free them all (vm->on_stopped). */
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = vm->vcpus[i];
		while (sched_entity_state(vcpu_entity(v)) == SCHED_RUNNING)
			cpu_relax();
		/* Its own CPU saw the stop (it ran it): that CPU finishes, and
		 * this one must not touch the vCPU any more. */
		if (vcpu_is_leaving(v) || !vcpu_on_scheduler(v))
			continue;
		if (vcpu_unhalt(v)) {
			uint64_t flags = spin_lock_irqsave(&sleep_lock);
			sleeper_remove(v);
			update_next_wake();
			spin_unlock_irqrestore(&sleep_lock, flags);
		}
		vcpu_unpark(v, true);
		mine[n++] = v;
	}
	for (unsigned i = 0; i < n; i++)
		vcpu_gone(mine[i]);
}

/* One pass: pick, run, account. */
static void loop_once(unsigned cpu)
{
	static struct vcpu *stopped[MAX_CPUS];   /* per CPU: reap after switch-out */
	uint64_t now = time_now_ns(), kick = 0;
	struct sched_decision d;
	enum slice_result result;
	struct vcpu *v;

	vm_sched_wake_due(now);
	resched[cpu] = false;
	now = time_now_ns();
	d = sched_schedule(cpu, now);
	vm_sched_kick(d.kick & ~BIT(cpu));
	if (stopped[cpu]) {
		vcpu_gone(stopped[cpu]);
		stopped[cpu] = NULL;
	}
	if (!d.next) {
		idle(cpu, now, d.slice_ns);
		return;
	}
	v = vcpu_of_entity(d.next);
	cpu_slices[cpu]++;
	if (cpu_last[cpu] != v) {
		if (cpu_last[cpu] && cpu_run_end_tsc[cpu]) {
			cpu_switches[cpu]++;
			cpu_switch_tsc[cpu] += rdtsc() - cpu_run_end_tsc[cpu];
		}
		cpu_last[cpu] = v;
	}
	{
		uint64_t deadline = vcpu_take_wake_deadline(v), t = time_now_ns();
		if (deadline && t >= deadline) {
			uint64_t lat = t - deadline;
			__atomic_add_fetch(&wake_count, 1, __ATOMIC_RELAXED);
			__atomic_add_fetch(&wake_sum_ns, lat, __ATOMIC_RELAXED);
			for (uint64_t m = wake_max_ns; lat > m &&
			     !__atomic_compare_exchange_n(&wake_max_ns, &m, lat, false, __ATOMIC_RELAXED,
							  __ATOMIC_RELAXED);)
				;
		}
	}
	result = vcpu_run_slice(v, now + d.slice_ns, &resched[cpu]);
	cpu_run_end_tsc[cpu] = rdtsc();
	switch (result) {
	case SLICE_OVER:
		break;
	case SLICE_HALTED: {
		uint64_t deadline;
		vcpu_halted(v, &deadline);
		sched_block(d.next, time_now_ns(), &kick);
		vm_sched_sleep(v, deadline);
		/* Kicked between the HLT and the block: it must run on. */
		if (!vcpu_halted(v, NULL))
			sched_wake(d.next, time_now_ns(), &kick);
		vm_sched_kick(kick & ~BIT(cpu));
		break;
	}
	case SLICE_PARKED:
		/* Wait-for-SIPI: blocked until the SIPI's kick unparks it
		 * (vcpu_kick); one that came meanwhile wakes it at once. */
		sched_block(d.next, time_now_ns(), &kick);
		if (!vcpu_parked(v))
			sched_wake(d.next, time_now_ns(), &kick);
		vm_sched_kick(kick & ~BIT(cpu));
		break;
	case SLICE_STOPPED:
		/* Still running here: vm_reap on another CPU waits for that,
		 * then sees the mark and leaves the vCPU to this CPU. */
		vcpu_mark_leaving(v);
		sched_block(d.next, time_now_ns(), &kick);
		vm_sched_kick(kick & ~BIT(cpu));
		stopped[cpu] = v;
		/* The VM's other vCPUs leave from their own CPUs. */
		vm_sched_stop_siblings(v);
		break;
	}
}

/* Wait (halted) until the scheduler exists, then loop. */
static bool loop_ready(void)
{
	if (virt.vendor == VIRT_NONE)
		return false;
	while (!__atomic_load_n(&sched_ready, __ATOMIC_ACQUIRE))
		__asm__ __volatile__("sti; hlt" ::: "memory");
	return true;
}

void vmm_cpu_loop_until(volatile bool *done)
{
	unsigned cpu = this_cpu()->cpu_id;

	if (!loop_ready())
		return;
	irq_enable();
	/* An entity current here when done turns true (a VM created at run
	 * time) stays current until the caller enters vmm_cpu_loop. */
	while (!*done)
		loop_once(cpu);
}

__noreturn void vmm_cpu_loop(void)
{
	unsigned cpu = this_cpu()->cpu_id;

	if (!loop_ready())
		cpu_idle_loop();
	irq_enable();
	for (;;)
		loop_once(cpu);
}

void vmm_sched_report(void)
{
	for (unsigned cpu = 0; cpu < sched_ncpus; cpu++)
		pr_info("sched: cpu %u ran %llu vCPU switches in %llu slices, idle %llu ms, "
			"switch %llu TSC ticks on average", cpu,
			(unsigned long long)cpu_switches[cpu], (unsigned long long)cpu_slices[cpu],
			(unsigned long long)(sched_idle_ns(cpu) / 1000000),
			(unsigned long long)(cpu_switches[cpu] ? cpu_switch_tsc[cpu] / cpu_switches[cpu]
							       : 0));
	if (wake_count)
		pr_info("sched: %llu wake-ups from HLT, latency after the timer deadline %llu us on "
			"average, %llu us at most", (unsigned long long)wake_count,
			(unsigned long long)(wake_sum_ns / wake_count / 1000),
			(unsigned long long)(wake_max_ns / 1000));
}
