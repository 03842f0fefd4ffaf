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
#include <plinth/vmcfg.h>
#include <x86/cpu.h>
#include <x86/fpu.h>
#include <x86/lapic.h>
#include <x86/percpu.h>
#include "kvmclock.h"
#include "msr.h"
#include "platform.h"
#include "vcpu_longmode.h"     /* vcpu_load_segments */
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
	bool parked;                 /* blocked waiting for a SIPI: set and cleared under
					the platform lock (atomic) */
	uint64_t affinity;           /* host CPUs it may run on, 0 = any */
	bool ran;                    /* left the reset state: an AP's first SIPI sets the
					INIT state first */
};

/* The vCPU between switch_in and switch_out on each CPU (vcpu_current). */
static struct vcpu *cpu_current[MAX_CPUS];
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

	vcpu_ops->load(&f->v);
	fpu_restore(f->fpu);
	debug_regs_restore(&f->dr);
	if (cpu < MAX_CPUS)
		cpu_current[cpu] = &f->v;
}

/* switch_out hook: the vCPU stops running on cpu. */
static void vcpu_switch_out(struct sched_entity *se, unsigned cpu)
{
	struct vcpu_full *f = container_of(se, struct vcpu_full, se);

	if (cpu < MAX_CPUS)
		cpu_current[cpu] = NULL;
	fpu_save(f->fpu);
	debug_regs_save(&f->dr);
	vcpu_ops->put(&f->v);
}

struct vcpu *vcpu_current(void)
{
	unsigned cpu = this_cpu()->cpu_id;

	return cpu < MAX_CPUS ? cpu_current[cpu] : NULL;
}

/* Create vCPU id of vm (vm->vcpus[id]). 0 or an error (logged). */
static int vcpu_create_one(struct vm *vm, unsigned id)
{
	struct vcpu_full *full;
	struct vcpu *v;
	uint64_t flags;
	int err;

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
	v->id = id;
	v->rflags = 0x2;   /* bit 1 is reserved as 1 (SDM vol. 1 §3.4.3) */
	/* The backend makes the new state current on this CPU (create);
	 * interrupts stay off until it is put again, so nothing else runs a
	 * vCPU here in between. */
	flags = irq_save();
	err = vcpu_ops->create(v);
	if (err) {
		irq_restore(flags);
		pr_err("vm %s: cannot create vCPU %u (%s error %d)", vm->name, id, vcpu_ops->name,
		       err);
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
	/* The VM's one TSC (kvmclock.h): every vCPU starts with the VM's
	 * offset and TSC_ADJUST 0, whenever it is created. */
	vcpu_ops->set_tsc_offset(v, vm->tsc_offset);
	vcpu_ops->put(v);
	irq_restore(flags);
	{
		/* The guest TSC reads 0 at the host TSC of the VM's creation. */
		const struct msr_ctx ctx = { .host_tsc = 0 - vm->tsc_offset, .bsp = v->id == 0 };
		msr_state_reset(&full->msrs, &ctx);
	}
	ksnprintf(full->se_name, sizeof(full->se_name), "%s/%u", vm->name, v->id);
	full->se.name = full->se_name;
	full->se.switch_in = vcpu_switch_in;
	full->se.switch_out = vcpu_switch_out;
	/* One pin list for all vCPUs or one each (vmcfg_finish spread it). */
	full->affinity = vm->config && vm->config->nr_pin_lists ? vm->config->pin[id]
								 : vm->vcpu_affinity;
	vm->vcpus[id] = v;
	return 0;
}

int vcpu_create(struct vm *vm)
{
	unsigned n = vm_vcpus_wanted(vm);
	int err = 0;

	if (vm->nr_vcpus)
		return -EEXIST;
	/* APs are started by IPIs: they need the local APICs of the
	 * platform, one per vCPU (vm_add_platform first). */
	if (vm->platform ? vm->platform->nr_cpus != n : n > 1) {
		pr_err("vm %s: %u vCPUs but %u local APICs", vm->name, n,
		       vm->platform ? vm->platform->nr_cpus : 0);
		return -EINVAL;
	}
	kvmclock_vm_init(vm);
	for (unsigned i = 0; i < n && !err; i++) {
		err = vcpu_create_one(vm, i);
		if (!err)
			vm->nr_vcpus = i + 1;
	}
	if (err) {
		for (unsigned i = 0; i < vm->nr_vcpus; i++) {
			vcpu_free(vm->vcpus[i]);
			vm->vcpus[i] = NULL;
		}
		vm->nr_vcpus = 0;
		return err;
	}
	vm->vcpu = vm->vcpus[0];
	return 0;
}

uint64_t vcpu_affinity(struct vcpu *v)
{
	return full_of(v)->affinity;
}

void vcpu_set_affinity_mask(struct vcpu *v, uint64_t mask)
{
	full_of(v)->affinity = mask;
}

bool vcpu_waits_for_sipi(struct vcpu *v)
{
	return __atomic_load_n(&full_of(v)->parked, __ATOMIC_ACQUIRE) ||
	       (v->vm->platform && v->vm->platform->lapic[v->id].wait_sipi);
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

	vcpu_load_segments(v, &code, &data, NULL, NULL);
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
	vcpu_load_segments(v, &code, &data, NULL, &ivt);
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
	struct vm_platform *p = v->vm->platform;
	uint64_t kick = 0, flags = 0;
	bool wait;
	int err;

	/* Under the platform lock, so that the BSP's SIPI (it may run
	 * already) comes before (no wait) or after the AP is parked on the
	 * scheduler (then its kick unparks it). */
	if (p)
		flags = vm_platform_lock(p);
	wait = p && p->lapic[v->id].wait_sipi;
	v->vm->state = VM_RUNNING;
	__atomic_store_n(&f->leaving, false, __ATOMIC_RELEASE);
	__atomic_store_n(&f->parked, wait, __ATOMIC_RELEASE);
	__atomic_store_n(&f->on_scheduler, true, __ATOMIC_RELEASE);
	__atomic_add_fetch(&v->vm->live_vcpus, 1, __ATOMIC_ACQ_REL);
	err = sched_add(&f->se, &v->vm->sched, f->affinity, time_now_ns(), &kick);
	if (err) {
		__atomic_store_n(&f->on_scheduler, false, __ATOMIC_RELEASE);
		__atomic_sub_fetch(&v->vm->live_vcpus, 1, __ATOMIC_ACQ_REL);
	} else if (wait) {
		/* An AP leaves the run queue at once until its SIPI (a CPU
		 * that picked it meanwhile finds it parked, vcpu_run_slice). */
		sched_block(&f->se, time_now_ns(), &kick);
	}
	if (p)
		vm_platform_unlock(p, flags);
	if (!err)
		vm_sched_kick(kick);
	return err;
}

int vm_start_vcpus(struct vm *vm)
{
	int err = 0;

	__atomic_store_n(&vm->stop_claimed, false, __ATOMIC_RELEASE);
	/* The APs (parked) first, the BSP last: vcpu_start takes the
	 * platform lock, and vmctl calls this under its table lock, which a
	 * running vCPU's reset request takes under the platform lock
	 * (vmctl_request_reset). Before the BSP starts, no vCPU of the VM
	 * runs, so the two orders never meet. */
	for (unsigned i = vm->nr_vcpus; i-- > 0 && !err;)
		err = vcpu_start(vm->vcpus[i]);
	return err;
}

bool vcpu_parked(struct vcpu *v)
{
	return __atomic_load_n(&full_of(v)->parked, __ATOMIC_ACQUIRE);
}

bool vcpu_unpark(struct vcpu *v, bool force)
{
	struct vcpu_full *f = full_of(v);
	struct vm_platform *p = v->vm->platform;

	if (!__atomic_load_n(&f->parked, __ATOMIC_ACQUIRE))
		return false;
	if (!force && p && p->lapic[v->id].wait_sipi)
		return false;
	return __atomic_exchange_n(&f->parked, false, __ATOMIC_ACQ_REL);
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
/* The shortest period of the slice timer (as exit_irq.c's HOST_TIMER_MIN_US). */
#define SLICE_TIMER_MIN_US 20

/* Without a VMX preemption timer (SVM): make the guest exit by deadline
 * (ns of host time) with the host LAPIC timer, whose interrupt is
 * intercepted. That timer is also the one the virtual-timer code
 * (exit_irq.c) arms for the guest's own timer: the slice timer is armed
 * for whichever comes first, so one timer serves both (exit_irq.c re-arms
 * its own when its record says so, and the slice timer is re-armed here
 * whenever it is not running for our deadline). */
static void arm_slice_lapic_timer(struct vcpu *v, uint64_t deadline)
{
	struct vm_platform *p = v->vm->platform;
	unsigned cpu = this_cpu()->cpu_id;
	uint64_t irqs = this_cpu()->timer_irqs, ns, ticks, now;
	uint32_t per_ms = lapic_timer_ticks_per_ms();

	if (!per_ms)
		return;
	struct vm_platform_cpu *pc = p ? &p->cpu[v->id] : NULL;

	/* The guest's own timer, even when another VM used this CPU's LAPIC
	 * timer since exit_irq.c armed it (its quiet path does not re-arm).
	 * A racy read: only this vCPU re-times its own timer. */
	if (p) {
		uint64_t guest = vlapic_timer_deadline(&p->lapic[v->id]);
		if (guest)
			deadline = MIN(deadline, guest);
		if (pc->host_timer_deadline && pc->host_timer_deadline != UINT64_MAX)
			deadline = MIN(deadline, pc->host_timer_deadline);
	}
	/* Still counting down towards this deadline, not fired, not stopped
	 * or re-armed by exit_irq.c: nothing to do. */
	if (slice_timer_deadline[cpu] == deadline && slice_timer_irqs[cpu] == irqs &&
	    (!pc || (pc->host_timer_deadline == slice_timer_theirs[cpu] &&
		     pc->host_timer_irqs == slice_timer_theirs_irqs[cpu])) &&
	    lapic_timer_count_read() != 0)
		return;
	now = time_now_ns();
	ns = deadline > now ? deadline - now : 0;
	ticks = (ns * per_ms + 999999) / 1000000;
	/* Periodic: if it fires in the host before the entry, the next
	 * period still makes the guest exit. Never shorter than
	 * SLICE_TIMER_MIN_US, also for a deadline that passed since the run
	 * slice looked (the exit then ends the slice): a period shorter than
	 * taking the interrupt would keep the host in its handler. */
	ticks = MAX(ticks, MAX((uint64_t)per_ms * SLICE_TIMER_MIN_US / 1000, 1ULL));
	lapic_timer_periodic((uint32_t)MIN(ticks, 0xFFFFFFFFULL));
	slice_timer_deadline[cpu] = deadline;
	slice_timer_irqs[cpu] = irqs;
	if (pc) {
		slice_timer_theirs[cpu] = pc->host_timer_deadline;
		slice_timer_theirs_irqs[cpu] = pc->host_timer_irqs;
	}
}

/* The host TSC value at which time_now_ns() reaches deadline_ns, from a
 * (now_ns, now_tsc) pair read together: rounded up, so a TSC compare is
 * never early. UINT64_MAX for no deadline or without a TSC rate (then
 * only time_now_ns() decides, as it always returns 0). */
static uint64_t deadline_tsc(uint64_t deadline_ns, uint64_t now_ns, uint64_t now_tsc)
{
	const uint64_t ns_per_s = 1000000000ULL;
	uint64_t hz = tsc_hz(), ns;

	if (deadline_ns == UINT64_MAX || !hz)
		return UINT64_MAX;
	if (deadline_ns <= now_ns)
		return now_tsc;
	/* Seconds and the rest apart: (ns % 1e9) * hz < 2^64 up to 18 GHz. */
	ns = deadline_ns - now_ns + 1;
	return now_tsc + (ns / ns_per_s) * hz + ((ns % ns_per_s) * hz + ns_per_s - 1) / ns_per_s;
}

/* A halted vCPU was woken (its deadline, or a kick from a device, another
 * vCPU or the console): HLT ends only when an interrupt the guest can take
 * is there (SDM vol. 2A "HLT"; with IF=1 any, with IF=0 an NMI only), or
 * INIT or a SIPI arrived. True if one is; otherwise the vCPU is halted
 * again until the next deadline of its timers (vcpu_halt_deadline). */
static bool halt_really_ends(struct vcpu *v)
{
	struct vm_platform *p = v->vm->platform;
	uint64_t now = time_now_ns(), deadline, flags;
	struct vlapic *l;
	uint8_t vector;
	bool ends;

	if (!p)
		return true;
	l = &p->lapic[v->id];
	flags = vm_platform_lock(p);
	deadline = vcpu_halt_deadline(v, now);
	ends = l->nmi_pending || l->init_pending || l->sipi_pending;
	if (v->rflags & RFLAGS_IF)
		ends = ends || vlapic_pending(l) >= 0 ||
		       (v->id == 0 && vlapic_accepts_pic(l) && vpic_pending(&p->pic, &vector));
	else
		deadline = 0;   /* timers cannot end a halt with IF=0 */
	if (!ends)
		vcpu_halt(v, deadline);
	vm_platform_unlock(p, flags);
	return ends;
}

uint64_t vcpu_halt_deadline(struct vcpu *v, uint64_t now)
{
	struct vm_platform *p = v->vm->platform;
	struct vlapic *l = &p->lapic[v->id];
	uint64_t dev = 0;

	vlapic_tick(l, now);
	/* The platform timers (PIT, RTC) are run and waited for by vCPU 0:
	 * an AP wakes only for its own timer and for what others send it. */
	if (v->id == 0)
		dev = vm_platform_timers(p, now);
	return deadline_earliest(vlapic_timer_deadline(l), dev);
}

/* The reset state of INIT (SDM vol. 3 §10.1.1 Table 10-1 / vol. 3A
 * Table 9-1): real mode at F000:FFF0 with the CS base FFFF0000, CR0 with
 * CD, NW (kept) and ET, CR3 = CR4 = EFER = 0, GDTR/IDTR base 0 limit
 * FFFF, the GPRs zero but EDX = the processor signature (CPUID 1 EAX),
 * RFLAGS 2, XCR0 1; pending events, interrupt shadows and the backend's
 * window requests dropped (init_reset op). The MSRs and the TSC keep their
 * values (Table 9-1: unchanged by INIT). On v's own CPU (switched in). */
static int vcpu_init_state(struct vcpu *v)
{
	const struct vcpu_segment code = { .selector = 0xF000, .attr = 0x9B, .limit = 0xFFFF,
					   .base = 0xFFFF0000ULL };
	const struct vcpu_segment data = { .selector = 0, .attr = 0x93, .limit = 0xFFFF };
	const struct vcpu_segment ldtr = { .attr = 0x82, .limit = 0xFFFF, .unusable = true };
	const struct vcpu_segment tr = { .attr = 0x8B, .limit = 0xFFFF };
	const struct vcpu_dtable table = { .base = 0, .limit = 0xFFFF };
	struct vm_platform *p = v->vm->platform;
	uint64_t cr0 = vcpu_ops->get_cr(v, 0);
	uint32_t a, b, c, d;
	int err;

	if (!(virt.features & VIRT_F_UNRESTRICTED) && virt.vendor == VIRT_VMX) {
		pr_err("vm %s: vCPU %u: INIT/SIPI need real mode, which this CPU cannot run "
		       "(VMX without unrestricted guest)", v->vm->name, v->id);
		return -ENOTSUP;
	}
	/* Paging goes first, then PAE, then EFER: each step a legal
	 * transition for the backend's checks. */
	err = vcpu_ops->set_cr(v, 0, (cr0 & (CR0_CD | CR0_NW)) | CR0_ET);
	if (!err)
		err = vcpu_ops->set_cr(v, 4, 0);
	if (!err)
		err = vcpu_ops->set_cr(v, 3, 0);
	if (err) {
		pr_err("vm %s: vCPU %u: cannot enter the INIT state (%s error %d)", v->vm->name,
		       v->id, vcpu_ops->name, err);
		return err;
	}
	vcpu_ops->set_efer(v, 0);
	vcpu_load_segments(v, &code, &data, &table, &table);
	vcpu_ops->set_seg(v, SEG_LDTR, &ldtr);
	vcpu_ops->set_seg(v, SEG_TR, &tr);
	vcpu_ops->set_xcr0(v, 1);
	if (vcpu_ops->init_reset)
		vcpu_ops->init_reset(v);
	vcpu_ops->request_intr_window(v, false);
	vcpu_ops->request_nmi_window(v, false);
	if (p) {
		p->cpu[v->id].window_requested = false;
		p->lapic[v->id].nmi_window = false;
	}
	memset(v->gpr, 0, sizeof(v->gpr));
	cpuid_count(1, 0, &a, &b, &c, &d);
	v->gpr[INSN_RDX] = a;
	v->rip = 0xFFF0;
	v->rflags = 0x2;
	return 0;
}

/* A SIPI with vector VV: real mode at VV00:0000, CS base VV000 (SDM vol. 3
 * §10.4.4.1, §11.6.1 "Start-Up"). */
static void vcpu_sipi_state(struct vcpu *v, uint8_t vector)
{
	struct vcpu_segment cs;

	vcpu_ops->get_seg(v, SEG_CS, &cs);
	cs.selector = (uint16_t)(vector << 8);
	cs.base = (uint64_t)vector << 12;
	vcpu_ops->set_seg(v, SEG_CS, &cs);
	v->rip = 0;
}

/* INIT and SIPI for v (set in its local APIC by another vCPU's IPI, under
 * the platform lock) are carried out here, on v's own CPU before its next
 * entry: the backend state may be changed only there. A fresh AP (never
 * run) takes the whole INIT state at its SIPI. True when v must leave the
 * CPU to wait for a SIPI (it is parked: the SIPI's kick wakes it,
 * vcpu_unpark). */
static bool vcpu_mp_requests(struct vcpu *v, struct vlapic *l)
{
	struct vm_platform *p = v->vm->platform;
	uint64_t flags = vm_platform_lock(p);
	bool park = false;
	int err = 0;

	if (l->init_pending || (l->sipi_pending && !full_of(v)->ran)) {
		/* A halted vCPU was woken for it (halt_really_ends): it
		 * runs here, so it is no longer halted. */
		l->init_pending = false;
		err = vcpu_init_state(v);
	}
	if (!err && l->sipi_pending) {
		l->sipi_pending = false;
		vcpu_sipi_state(v, l->sipi_vector);
		pr_debug("vm %s: vCPU %u started by SIPI at %02x00:0000", v->vm->name, v->id,
			 l->sipi_vector);
	}
	if (!err && l->wait_sipi) {
		__atomic_store_n(&full_of(v)->parked, true, __ATOMIC_RELEASE);
		park = true;
	} else if (!err) {
		full_of(v)->ran = true;
	}
	vm_platform_unlock(p, flags);
	if (err)
		vm_stop(v->vm, "vCPU %u: cannot take the INIT/SIPI state (error %d)", v->id, err);
	return park;
}

/* Any INIT/SIPI business for v (a racy look; vcpu_mp_requests decides). */
static inline bool mp_requests_pending(const struct vlapic *l)
{
	return l->init_pending | l->sipi_pending | l->wait_sipi;
}

/* The run slice keeps the vCPU in this loop for every exit that needs no
 * scheduling decision: each entry costs a few compares, no clock
 * conversion. The slice's end and the earliest sleeper deadline are turned
 * into one host TSC limit when the slice starts (and again only when the
 * sleepers' deadline moves or the limit passes), so an entry compares the
 * TSC with it; time_now_ns() runs only once the limit has come. The
 * guest's exit at that limit is ensured by the VMX preemption timer, whose
 * deadline (that limit or, earlier, the guest's APIC timer deadline) is
 * handed to the backend only when it changes; without one (SVM), by the
 * host LAPIC timer. */
enum slice_result vcpu_run_slice(struct vcpu *v, uint64_t slice_end, volatile bool *resched)
{
	struct vm *vm = v->vm;
	struct vm_platform *p = vm->platform;
	struct vlapic *lapic = p ? &p->lapic[v->id] : NULL;
	struct vm_exit exit;
	uint64_t now = time_now_ns(), now_tsc = rdtsc(), wake = vm_sched_next_wake();
	uint64_t limit_tsc = deadline_tsc(MIN(slice_end, wake), now, now_tsc);
	/* The guest's APIC timer deadline (ns) and its TSC value, converted
	 * with the (now, base_tsc) pair of the last look at the clock. */
	uint64_t guest_ns = 0, guest_tsc = UINT64_MAX, base_tsc = now_tsc;
	/* The preemption-timer deadline handed to the backend (0: none yet). */
	uint64_t timer_tsc = 0;
	bool preempt_timer = true;   /* until the backend says it has none */

	if (!vm->start_tsc)
		vm->start_tsc = now_tsc;
	/* Another VM may have used this CPU's LAPIC timer since this one armed
	 * it for its virtual timer: make exit_irq.c arm it again. */
	if (p)
		p->cpu[v->id].host_timer_deadline = UINT64_MAX;
	slice_timer_deadline[this_cpu()->cpu_id] = 0;
	if (__atomic_exchange_n(&full_of(v)->recheck_halt, false, __ATOMIC_ACQ_REL) &&
	    vm->state == VM_RUNNING && !halt_really_ends(v))
		return SLICE_HALTED;
	for (;;) {
		uint64_t entered;
		int err;

		if (vm->state != VM_RUNNING)
			return SLICE_STOPPED;
		/* INIT, SIPI (from other vCPUs' IPIs) or waiting for a SIPI. */
		if (lapic && __builtin_expect(mp_requests_pending(lapic), 0) &&
		    vcpu_mp_requests(v, lapic))
			return vm->state != VM_RUNNING ? SLICE_STOPPED : SLICE_PARKED;
		/* now_tsc is from the last exit: the handler's time since is
		 * at most a few microseconds late. */
		if (__builtin_expect(now_tsc >= limit_tsc || vm_sched_next_wake() != wake, 0)) {
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
			base_tsc = rdtsc();
			limit_tsc = deadline_tsc(MIN(slice_end, wake), now, base_tsc);
			guest_ns = 0;   /* converted again from the new pair */
		}
		/* The last look before the entry runs with host interrupts off
		 * until the guest is entered (vm_sched.c, "Kicks"): a kick
		 * whose IPI came before this point set *resched, one after it
		 * stays pending and makes the guest exit at once. Looked at
		 * with interrupts on, a kick between the look and the entry
		 * was taken by the host and the guest ran on without the
		 * interrupt sent to it until its next exit (up to a slice). */
		irq_disable();
		if (*resched) {
			irq_enable();
			return SLICE_OVER;
		}
		/* Virtual interrupts due now are injected at this entry. */
		vcpu_deliver_interrupts(v);
		if (__builtin_expect(preempt_timer, 1)) {
			/* The guest's own timer, even when another VM used this
			 * CPU's LAPIC timer since exit_irq.c armed it for it
			 * (its quiet path does not re-arm). */
			uint64_t g = lapic ? vlapic_timer_deadline(lapic) : 0, deadline;
			if (__builtin_expect(g != guest_ns, 0)) {
				guest_ns = g;
				guest_tsc = g ? deadline_tsc(g, now, base_tsc) : UINT64_MAX;
			}
			deadline = MIN(limit_tsc, guest_tsc);
			if (deadline != timer_tsc) {
				timer_tsc = deadline;
				preempt_timer = vcpu_ops->set_preempt_timer(v, deadline) == 0;
			}
		}
		if (!preempt_timer)
			arm_slice_lapic_timer(v, MIN(slice_end, wake));
		entered = rdtsc();
		err = vcpu_ops->run(v, &exit);
		/* The host interrupt behind an external-interrupt exit (a kick,
		 * the slice timer) is taken here. */
		irq_enable();
		now_tsc = rdtsc();

		/* Guest time: entry to exit, the world switches included. */
		__atomic_add_fetch(&vm->guest_tsc, now_tsc - entered, __ATOMIC_RELAXED);
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
