/* vcpu.c - the vendor-neutral side of a vCPU: the backend chosen at boot,
 * creating a vCPU, setting a boot protocol's entry state through the ops,
 * its scheduler entity with the switch hooks, and the run slice.
 *
 * Switching (the seeds' VMM switch sequence): the per-CPU loop
 * (vmm/vm_sched.c) asks the scheduler for the next vCPU; sched_schedule
 * calls the old vCPU's switch_out and the new one's switch_in. switch_out
 * saves what VM exit leaves in the CPU (XSAVE state, DR0-3/DR6; GPRs are
 * in struct vcpu, CR2 and the MSRs the backend switches itself) and puts
 * the backend state (VMX: VMCLEAR), so another CPU may load it next;
 * switch_in loads the backend state on this CPU (VMPTRLD and this CPU's
 * host state) and restores the saved registers. A vCPU's backend state is
 * therefore current on a CPU only between its switch_in and switch_out;
 * outside, any CPU may use it between ops->load and ops->put. */
#include <plinth/log.h>
#include <plinth/mm.h>
#include <plinth/panic.h>
#include <plinth/printf.h>
#include <plinth/string.h>
#include <plinth/time.h>
#include <plinth/virt.h>
#include <plinth/vm.h>
#include <x86/cpu.h>
#include <x86/fpu.h>
#include <x86/lapic.h>
#include <x86/percpu.h>
#include "msr.h"
#include "platform.h"
#include "vcpu_sched.h"

const struct vcpu_ops *vcpu_ops;

/* The generic vCPU and the VMM-private state that goes with it; allocated
 * together so struct vcpu (vcpu_ops.h, shared with the backends) stays as
 * it is. */
struct vcpu_full {
	struct vcpu v;
	struct msr_state msrs;
	struct sched_entity se;      /* the scheduler's view of this vCPU */
	char se_name[VM_NAME_MAX + 8];
	struct fpu_area *fpu;        /* XSAVE state while switched out */
	struct debug_regs dr;        /* DR0-3, DR6 while switched out */
	bool halted;                 /* HLT: blocked until deadline or a kick (atomic) */
	uint64_t halt_deadline;      /* ns; 0 = no timer armed */
	uint64_t woken_deadline;     /* halt_deadline of the last wake (statistics) */
	bool recheck_halt;           /* woken: resume only if an interrupt is there (atomic) */
	bool on_scheduler;           /* added and not yet removed (atomic) */
	bool leaving;                /* its CPU saw the VM stop and takes it off the
					scheduler itself (atomic) */
};
/* vm_destroy() frees vm->vcpu through vcpu_free(). */
_Static_assert(__builtin_offsetof(struct vcpu_full, v) == 0, "vcpu first in vcpu_full");

static struct vcpu_full *full_of(struct vcpu *v)
{
	return container_of(v, struct vcpu_full, v);
}

struct msr_state *vcpu_msr_state(struct vcpu *v)
{
	return &full_of(v)->msrs;
}

struct vcpu *vcpu_of_entity(struct sched_entity *se)
{
	return &container_of(se, struct vcpu_full, se)->v;
}

struct sched_entity *vcpu_entity(struct vcpu *v)
{
	return &full_of(v)->se;
}

/* switch_in hook (run-queue lock held, interrupts off): the vCPU starts
 * running on cpu. */
static void vcpu_switch_in(struct sched_entity *se, unsigned cpu)
{
	struct vcpu_full *f = container_of(se, struct vcpu_full, se);

	(void)cpu;
	vcpu_ops->load(&f->v);
	fpu_restore(f->fpu);
	debug_regs_restore(&f->dr);
}

/* switch_out hook: the vCPU stops running on cpu. */
static void vcpu_switch_out(struct sched_entity *se, unsigned cpu)
{
	struct vcpu_full *f = container_of(se, struct vcpu_full, se);

	(void)cpu;
	fpu_save(f->fpu);
	debug_regs_save(&f->dr);
	vcpu_ops->put(&f->v);
}

int vcpu_create(struct vm *vm)
{
	struct vcpu_full *full;
	struct vcpu *v;
	uint64_t flags;
	int err;

	if (vm->vcpu)
		return -EEXIST;
	full = kzalloc(sizeof(*full));
	if (!full)
		return -ENOMEM;
	full->fpu = fpu_area_alloc();
	if (!full->fpu) {
		kfree(full);
		return -ENOMEM;
	}
	debug_regs_reset(&full->dr);
	v = &full->v;
	v->vm = vm;
	v->id = 0;
	v->rflags = 0x2;   /* bit 1 is reserved as 1 (SDM vol. 1 §3.4.3) */
	/* The backend makes the new state current on this CPU (create);
	 * interrupts stay off until it is put again, so nothing else runs a
	 * vCPU here in between. */
	flags = irq_save();
	err = vcpu_ops->create(v);
	if (err) {
		irq_restore(flags);
		pr_err("vm %s: cannot create a vCPU (%s error %d)", vm->name, vcpu_ops->name, err);
		fpu_area_free(full->fpu);
		kfree(full);
		return err;
	}
	err = vcpu_ops->set_slat_root(v, vm->slat.root);
	if (err) {
		vcpu_ops->destroy(v);
		irq_restore(flags);
		fpu_area_free(full->fpu);
		kfree(full);
		return err;
	}
	vcpu_ops->put(v);
	irq_restore(flags);
	{
		const struct msr_ctx ctx = { .host_tsc = rdtsc(), .bsp = v->id == 0 };
		msr_state_reset(&full->msrs, &ctx);
	}
	ksnprintf(full->se_name, sizeof(full->se_name), "%s/%u", vm->name, v->id);
	full->se.name = full->se_name;
	full->se.switch_in = vcpu_switch_in;
	full->se.switch_out = vcpu_switch_out;
	vm->vcpu = v;
	return 0;
}

void vcpu_free(struct vcpu *v)
{
	struct vcpu_full *f;
	uint64_t flags;

	if (!v)
		return;
	f = full_of(v);
	/* Not on any CPU (put at creation and at every switch-out). */
	flags = irq_save();
	vcpu_ops->destroy(v);
	irq_restore(flags);
	fpu_area_free(f->fpu);
	kfree(f);
}

/* Backend ops outside the vCPU's own runs (setting a boot state before it
 * starts, a reset): load the state on this CPU, and put it again after. */
static uint64_t vcpu_borrow(struct vcpu *v)
{
	uint64_t flags = irq_save();
	vcpu_ops->load(v);
	return flags;
}

static void vcpu_give_back(struct vcpu *v, uint64_t flags)
{
	vcpu_ops->put(v);
	irq_restore(flags);
}

static int set_multiboot_state(struct vcpu *v, uint32_t entry, uint32_t magic, uint32_t info)
{
	/* Multiboot 0.6.96 §3.2 "Machine state": CS a 32-bit read/execute
	 * code segment with offset 0 and limit 0xFFFFFFFF, DS/ES/FS/GS/SS
	 * 32-bit read/write data segments likewise, CR0.PG=0, CR0.PE=1,
	 * EFLAGS.VM=0, EFLAGS.IF=0; GDTR and IDTR may be anything. Selectors
	 * 0x08/0x10 as GRUB uses. */
	const struct vcpu_segment code = {
		.selector = 0x08, .attr = 0xC9B, .limit = 0xFFFFFFFF, .base = 0,
	};
	const struct vcpu_segment data = {
		.selector = 0x10, .attr = 0xC93, .limit = 0xFFFFFFFF, .base = 0,
	};
	int err;

	vcpu_ops->set_seg(v, SEG_CS, &code);
	for (enum vcpu_seg s = SEG_ES; s <= SEG_GS; s++)
		if (s != SEG_CS)
			vcpu_ops->set_seg(v, s, &data);
	err = vcpu_ops->set_cr(v, 0, 0x11);   /* PE | ET */
	if (!err)
		err = vcpu_ops->set_cr(v, 4, 0);
	if (!err)
		err = vcpu_ops->set_cr(v, 3, 0);
	if (err) {
		pr_err("vm %s: cannot set the Multiboot entry state (error %d)", v->vm->name, err);
		return err;
	}
	memset(v->gpr, 0, sizeof(v->gpr));
	v->gpr[INSN_RAX] = magic;
	v->gpr[INSN_RBX] = info;
	v->rip = entry;
	v->rflags = 0x2;
	return 0;
}

static int set_real_mode_state(struct vcpu *v, uint16_t cs, uint16_t ip)
{
	/* Real mode (SDM vol. 3 §20.1; the reset state of §9.1.1 with the CS
	 * base a BIOS leaves): base = selector * 16, 64 KiB limits, byte
	 * granular, 16-bit. The hidden attributes are those a real-mode
	 * segment load gives and VM entry accepts with CR0.PE=0 (§27.3.1.2,
	 * unrestricted guest; AMD APM vol. 2 §15.5 takes them as they are):
	 * present, DPL 0, accessed read/execute code (0x9B) and read/write
	 * data (0x93). The IVT is at 0 with a 1 KiB limit. */
	const struct vcpu_segment code = {
		.selector = cs, .attr = 0x9B, .limit = 0xFFFF, .base = (uint64_t)cs << 4,
	};
	const struct vcpu_segment data = { .selector = 0, .attr = 0x93, .limit = 0xFFFF };
	const struct vcpu_dtable ivt = { .base = 0, .limit = 0x3FF };
	int err;

	if (!(virt.features & VIRT_F_UNRESTRICTED) && virt.vendor == VIRT_VMX) {
		pr_err("vm %s: real-mode start not supported by this CPU/backend (VMX without "
		       "unrestricted guest)", v->vm->name);
		return -ENOTSUP;
	}
	err = vcpu_ops->set_cr(v, 0, CR0_ET);
	if (!err)
		err = vcpu_ops->set_cr(v, 4, 0);
	if (!err)
		err = vcpu_ops->set_cr(v, 3, 0);
	if (err) {
		pr_err("vm %s: real-mode start not supported by this CPU/backend (%s error %d)",
		       v->vm->name, vcpu_ops->name, err);
		return err == -EINVAL ? -ENOTSUP : err;
	}
	vcpu_ops->set_seg(v, SEG_CS, &code);
	for (enum vcpu_seg s = SEG_ES; s <= SEG_GS; s++)
		if (s != SEG_CS)
			vcpu_ops->set_seg(v, s, &data);
	vcpu_ops->set_dtable(v, true, &ivt);
	memset(v->gpr, 0, sizeof(v->gpr));
	v->rip = ip;
	v->rflags = 0x2;
	return 0;
}

/* The boot-state setters run before the vCPU is started (or while it is
 * off every CPU): its backend state is borrowed on this CPU. */
int vcpu_set_multiboot_state(struct vcpu *v, uint32_t entry, uint32_t magic, uint32_t info)
{
	uint64_t flags = vcpu_borrow(v);
	int err = set_multiboot_state(v, entry, magic, info);

	vcpu_give_back(v, flags);
	return err;
}

int vcpu_set_real_mode_state(struct vcpu *v, uint16_t cs, uint16_t ip)
{
	uint64_t flags = vcpu_borrow(v);
	int err = set_real_mode_state(v, cs, ip);

	vcpu_give_back(v, flags);
	return err;
}

int vcpu_inject_exception(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error)
{
	const struct vcpu_event ev = {
		.type = EVENT_EXCEPTION, .vector = vector, .has_error = has_error, .error_code = error,
	};
	int err = vcpu_ops->inject(v, &ev);
	if (err)
		vm_stop(v->vm, "cannot inject exception %u (another event is pending)", vector);
	return err;
}

static const char *const gpr_names[INSN_NR_GPRS] = {
	"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};

void vcpu_dump(struct vcpu *v)
{
	for (unsigned i = 0; i < INSN_NR_GPRS; i += 4)
		pr_err("vm %s: %-3s=%016llx %-3s=%016llx %-3s=%016llx %-3s=%016llx", v->vm->name,
		       gpr_names[i], (unsigned long long)v->gpr[i],
		       gpr_names[i + 1], (unsigned long long)v->gpr[i + 1],
		       gpr_names[i + 2], (unsigned long long)v->gpr[i + 2],
		       gpr_names[i + 3], (unsigned long long)v->gpr[i + 3]);
	pr_err("vm %s: rip=%016llx rflags=%llx, %llu exits", v->vm->name,
	       (unsigned long long)v->rip, (unsigned long long)v->rflags,
	       (unsigned long long)v->exit_count);
	vcpu_ops->dump(v);
}

int vcpu_start(struct vcpu *v)
{
	struct vcpu_full *f = full_of(v);
	uint64_t kick = 0;
	int err;

	v->vm->state = VM_RUNNING;
	__atomic_store_n(&f->leaving, false, __ATOMIC_RELEASE);
	__atomic_store_n(&f->on_scheduler, true, __ATOMIC_RELEASE);
	__atomic_add_fetch(&v->vm->live_vcpus, 1, __ATOMIC_ACQ_REL);
	err = sched_add(&f->se, &v->vm->sched, v->vm->vcpu_affinity, time_now_ns(), &kick);
	if (err) {
		__atomic_store_n(&f->on_scheduler, false, __ATOMIC_RELEASE);
		__atomic_sub_fetch(&v->vm->live_vcpus, 1, __ATOMIC_ACQ_REL);
		return err;
	}
	vm_sched_kick(kick);
	return 0;
}

void vcpu_halt(struct vcpu *v, uint64_t deadline_ns)
{
	struct vcpu_full *f = full_of(v);

	f->halt_deadline = deadline_ns;
	__atomic_store_n(&f->halted, true, __ATOMIC_RELEASE);
}

bool vcpu_halted(struct vcpu *v, uint64_t *deadline_ns)
{
	struct vcpu_full *f = full_of(v);

	if (deadline_ns)
		*deadline_ns = f->halt_deadline;
	return __atomic_load_n(&f->halted, __ATOMIC_ACQUIRE);
}

bool vcpu_unhalt(struct vcpu *v)
{
	struct vcpu_full *f = full_of(v);

	if (!__atomic_exchange_n(&f->halted, false, __ATOMIC_ACQ_REL))
		return false;
	__atomic_store_n(&f->woken_deadline, f->halt_deadline, __ATOMIC_RELEASE);
	__atomic_store_n(&f->recheck_halt, true, __ATOMIC_RELEASE);
	return true;
}

uint64_t vcpu_take_wake_deadline(struct vcpu *v)
{
	return __atomic_exchange_n(&full_of(v)->woken_deadline, 0, __ATOMIC_ACQ_REL);
}

void vcpu_mark_leaving(struct vcpu *v)
{
	__atomic_store_n(&full_of(v)->leaving, true, __ATOMIC_RELEASE);
}

bool vcpu_is_leaving(struct vcpu *v)
{
	return __atomic_load_n(&full_of(v)->leaving, __ATOMIC_ACQUIRE);
}

bool vcpu_on_scheduler(struct vcpu *v)
{
	return __atomic_load_n(&full_of(v)->on_scheduler, __ATOMIC_ACQUIRE);
}

bool vcpu_leave_scheduler(struct vcpu *v)
{
	struct vcpu_full *f = full_of(v);

	if (!__atomic_exchange_n(&f->on_scheduler, false, __ATOMIC_ACQ_REL))
		return false;
	/* Not running (the caller waited for that): removal cannot fail. */
	if (sched_remove(&f->se))
		panic("vcpu: vm %s: a stopped vCPU could not leave the scheduler", v->vm->name);
	return true;
}

/* The slice timer of each CPU on SVM (the host LAPIC timer): the deadline
 * it was last armed for and this_cpu()->timer_irqs then, so that an entry
 * re-arms it only when needed (every LAPIC write is slow in an emulator). */
static uint64_t slice_timer_deadline[MAX_CPUS], slice_timer_irqs[MAX_CPUS];
/* exit_irq.c's record of its own arming when the slice timer was armed:
 * if it changed, exit_irq.c wrote the LAPIC timer over the slice timer. */
static uint64_t slice_timer_theirs[MAX_CPUS], slice_timer_theirs_irqs[MAX_CPUS];

/* Make the guest exit by deadline (ns of host time), whatever its IF:
 * the VMX preemption timer, else (SVM) the host LAPIC timer, whose
 * interrupt is intercepted. On SVM that timer is also the one the
 * virtual-timer code (exit_irq.c) arms for the guest's own timer: the
 * slice timer is armed for whichever comes first, so one timer serves
 * both (exit_irq.c re-arms its own when its record says so, and the slice
 * timer is re-armed here whenever it is not running for our deadline). */
static void arm_slice_timer(struct vcpu *v, uint64_t now, uint64_t deadline)
{
	struct vm_platform *p = v->vm->platform;
	unsigned cpu = this_cpu()->cpu_id;
	uint64_t irqs = this_cpu()->timer_irqs, ns, ticks;
	uint32_t per_ms;

	/* The guest's own timer, even when another VM used this CPU's LAPIC
	 * timer since exit_irq.c armed it (its quiet path does not re-arm). */
	if (p) {
		uint64_t guest = vlapic_timer_deadline(&p->lapic);
		if (guest)
			deadline = MIN(deadline, guest);
	}
	if (vcpu_ops->set_preempt_timer(v, deadline > now ? deadline - now : 1) == 0)
		return;
	per_ms = lapic_timer_ticks_per_ms();
	if (!per_ms)
		return;
	if (p && p->host_timer_deadline && p->host_timer_deadline != UINT64_MAX)
		deadline = MIN(deadline, p->host_timer_deadline);
	/* Still counting down towards this deadline, not fired, not stopped
	 * or re-armed by exit_irq.c: nothing to do. */
	if (slice_timer_deadline[cpu] == deadline && slice_timer_irqs[cpu] == irqs &&
	    (!p || (p->host_timer_deadline == slice_timer_theirs[cpu] &&
		    p->host_timer_irqs == slice_timer_theirs_irqs[cpu])) &&
	    lapic_timer_count_read() != 0)
		return;
	ns = deadline > now ? deadline - now : 1;
	ticks = (ns * per_ms + 999999) / 1000000;
	/* Periodic: if it fires in the host before the entry, the next
	 * period still makes the guest exit. */
	lapic_timer_periodic((uint32_t)MIN(MAX(ticks, 1ULL), 0xFFFFFFFFULL));
	slice_timer_deadline[cpu] = deadline;
	slice_timer_irqs[cpu] = irqs;
	if (p) {
		slice_timer_theirs[cpu] = p->host_timer_deadline;
		slice_timer_theirs_irqs[cpu] = p->host_timer_irqs;
	}
}

/* A halted vCPU was woken (its deadline, or a kick from a device or the
 * console): HLT ends only when an interrupt the guest can take is there
 * (SDM vol. 2A "HLT"; IF=1, exit_hlt checked). True if one is; otherwise
 * the vCPU is halted again until the next deadline of its timers. */
static bool halt_really_ends(struct vcpu *v)
{
	struct vm_platform *p = v->vm->platform;
	uint64_t now = time_now_ns(), deadline;
	uint8_t vector;

	if (!p)
		return true;
	vlapic_tick(&p->lapic, now);
	deadline = deadline_earliest(vlapic_timer_deadline(&p->lapic), vm_platform_timers(p, now));
	if (p->lapic.nmi_pending || vlapic_pending(&p->lapic) >= 0 ||
	    (vlapic_accepts_pic(&p->lapic) && vpic_pending(&p->pic, &vector)))
		return true;
	vcpu_halt(v, deadline);
	return false;
}

enum slice_result vcpu_run_slice(struct vcpu *v, uint64_t slice_end, volatile bool *resched)
{
	struct vm *vm = v->vm;
	struct vm_exit exit;

	if (!vm->start_tsc)
		vm->start_tsc = rdtsc();
	/* Another VM may have used this CPU's LAPIC timer since this one armed
	 * it for its virtual timer: make exit_irq.c arm it again. */
	if (vm->platform)
		vm->platform->host_timer_deadline = UINT64_MAX;
	slice_timer_deadline[this_cpu()->cpu_id] = 0;
	if (__atomic_exchange_n(&full_of(v)->recheck_halt, false, __ATOMIC_ACQ_REL) &&
	    vm->state == VM_RUNNING && !halt_really_ends(v))
		return SLICE_HALTED;
	for (;;) {
		uint64_t entered, now, wake;
		int err;

		if (vm->state != VM_RUNNING)
			return SLICE_STOPPED;
		if (*resched)
			return SLICE_OVER;
		now = time_now_ns();
		wake = vm_sched_next_wake();
		if (now >= wake) {
			vm_sched_wake_due(now);
			if (*resched)
				return SLICE_OVER;
			wake = vm_sched_next_wake();
		}
		if (now >= slice_end)
			return SLICE_OVER;
		/* Virtual interrupts due now are injected at this entry. */
		vcpu_deliver_interrupts(v);
		arm_slice_timer(v, now, MIN(slice_end, wake));
		entered = rdtsc();
		err = vcpu_ops->run(v, &exit);

		/* Guest time: entry to exit, the world switches included. */
		__atomic_add_fetch(&vm->guest_tsc, rdtsc() - entered, __ATOMIC_RELAXED);
		if (err) {
			vm_stop(vm, "the %s backend could not enter the guest", vcpu_ops->name);
			return SLICE_STOPPED;
		}
		v->exit_count++;
		v->exits_by_kind[exit.kind]++;
		if (!vmm_handle_exit(v, &exit))
			return SLICE_STOPPED;
		if (vcpu_halted(v, NULL))
			return SLICE_HALTED;
	}
}
