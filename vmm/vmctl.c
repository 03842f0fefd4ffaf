/* vmctl.c - the runtime control API (include/plinth/vmctl.h): a table of
 * the VMs plinth manages, and pause/resume/reset/destroy, scheduling
 * parameters and pinning on top of the scheduler (vmm/vm_sched.c).
 *
 * The table owns every VM from registration: when a VM's last vCPU left
 * the scheduler (vm->on_stopped, on the CPU that switched it out), its
 * COM1 output is flushed, its statistics printed and its memory returned
 * (vm_release); the record (name, stop reason, statistics) stays until
 * vmctl_destroy frees it. The table lock protects the slots; operations
 * that wait for another CPU (destroy, reset) drop it while waiting and
 * hold a per-slot "busy" mark so two of them cannot work on one VM. */
#include <plinth/log.h>
#include <plinth/mm.h>
#include <plinth/spinlock.h>
#include <plinth/string.h>
#include <plinth/time.h>
#include <plinth/vmcfg.h>
#include <plinth/vmctl.h>
#include <plinth/vm.h>
#include <x86/cpu.h>
#include "vcpu_sched.h"
#include "vmctl_internal.h"

_Static_assert(EXIT_KIND_COUNT <= 32, "vmctl_stats.exits holds every exit kind");

struct vmctl_slot {
	struct vm *vm;               /* NULL: free */
	bool busy;                   /* a destroy or reset is working on it */
	bool released;               /* its memory was returned (atomic) */
	uint64_t exits[EXIT_KIND_COUNT];   /* kept when the vCPU is freed */
	uint64_t exits_total;
	uint64_t runtime_ns;
};

static spinlock_t table_lock = SPINLOCK_INIT;
static struct vmctl_slot slots[VMCTL_MAX_VMS];
static unsigned next_id;             /* ids grow; slot = id % VMCTL_MAX_VMS */
static int live_vms;                 /* started and not yet stopped (table lock) */
static volatile bool all_stopped = true;

volatile bool *vmctl_all_stopped_flag(void)
{
	return &all_stopped;
}

/* The slot holding VM id (table lock held), or NULL. */
static struct vmctl_slot *slot_of(unsigned id)
{
	struct vmctl_slot *s = &slots[id % VMCTL_MAX_VMS];

	return s->vm && s->vm->id == id ? s : NULL;
}

/* The VM's last vCPU left the scheduler (vm->on_stopped): report and
 * give its memory back. Runs once per start, on any CPU. */
static void vm_stopped(struct vm *vm)
{
	struct vmctl_slot *s;
	uint64_t flags;

	vm_uart_flush(vm);
	vm_stats_print(vm);
	if (vm->vcpu) {
		struct sched_entity_stats st = sched_entity_get_stats(vcpu_entity(vm->vcpu));
		pr_info("vm %s: scheduler: ran %llu ms in %llu slices, waited %llu ms (longest "
			"%llu us), %llu wake-ups, %llu migrations", vm->name,
			(unsigned long long)(st.runtime_ns / 1000000), (unsigned long long)st.nr_runs,
			(unsigned long long)(st.wait_ns / 1000000),
			(unsigned long long)(st.max_wait_ns / 1000),
			(unsigned long long)st.nr_wakeups, (unsigned long long)st.nr_migrations);
	}
	flags = spin_lock_irqsave(&table_lock);
	s = slot_of(vm->id);
	if (s && vm->vcpu) {
		memcpy(s->exits, vm->vcpu->exits_by_kind, sizeof(s->exits));
		s->exits_total = vm->vcpu->exit_count;
	}
	if (s)
		s->runtime_ns = sched_group_runtime(&vm->sched);
	spin_unlock_irqrestore(&table_lock, flags);
	vm_release(vm);
	flags = spin_lock_irqsave(&table_lock);
	if (s)
		__atomic_store_n(&s->released, true, __ATOMIC_RELEASE);
	if (--live_vms == 0) {
		all_stopped = true;
		/* The BSP may be halted in its boot loop waiting for this. */
		vm_sched_kick(BIT(0));
	}
	spin_unlock_irqrestore(&table_lock, flags);
}

int vmctl_register(struct vm *vm)
{
	uint64_t flags = spin_lock_irqsave(&table_lock);

	for (unsigned tries = 0; tries < VMCTL_MAX_VMS; tries++, next_id++) {
		struct vmctl_slot *s = &slots[next_id % VMCTL_MAX_VMS];
		if (s->vm)
			continue;
		memset(s, 0, sizeof(*s));
		s->vm = vm;
		vm->id = next_id++;
		vm->on_stopped = vm_stopped;
		spin_unlock_irqrestore(&table_lock, flags);
		return (int)vm->id;
	}
	spin_unlock_irqrestore(&table_lock, flags);
	pr_err("vm %s: the VM table is full (%u VMs); VM not registered", vm->name,
	       VMCTL_MAX_VMS);
	return -ENOSPC;
}

static enum vmctl_state state_of(const struct vm *vm)
{
	switch (vm->state) {
	case VM_CREATED:
		return VMCTL_CREATED;
	case VM_RUNNING:
		return vm->sched.paused ? VMCTL_PAUSED : VMCTL_RUNNING;
	case VM_STOPPED:
		break;
	}
	return VMCTL_STOPPED;
}

/* Fill *out from slot s (table lock held). */
static void fill_info(const struct vmctl_slot *s, struct vmctl_vm_info *out)
{
	const struct vm *vm = s->vm;

	memset(out, 0, sizeof(*out));
	out->id = vm->id;
	str_copy(out->name, vm->name, sizeof(out->name));
	out->state = state_of(vm);
	out->vcpus = vm->config ? vm->config->vcpus : 1;
	out->memory = vm->config ? vm->config->memory : vm_ram_size(vm);
	out->weight = vm->sched.weight;
	out->cap = vm->sched.cap_pct;
	out->cpu_time_ns = s->released ? s->runtime_ns : sched_group_runtime(&vm->sched);
	out->privileged = vm->privileged;
	out->exit_code_valid = vm->exit_code_valid;
	out->exit_code = vm->exit_code;
	str_copy(out->stop_reason, vm->stop_reason, sizeof(out->stop_reason));
}

int vmctl_list(struct vmctl_vm_info *out, unsigned max)
{
	uint64_t flags = spin_lock_irqsave(&table_lock);
	unsigned n = 0;

	for (unsigned i = 0; i < VMCTL_MAX_VMS; i++) {
		if (!slots[i].vm)
			continue;
		if (out && n < max)
			fill_info(&slots[i], &out[n]);
		n++;
	}
	spin_unlock_irqrestore(&table_lock, flags);
	return (int)n;
}

int vmctl_info(unsigned id, struct vmctl_vm_info *out)
{
	uint64_t flags;
	struct vmctl_slot *s;

	if (!out)
		return -EINVAL;
	flags = spin_lock_irqsave(&table_lock);
	s = slot_of(id);
	if (s)
		fill_info(s, out);
	spin_unlock_irqrestore(&table_lock, flags);
	return s ? 0 : -ENOENT;
}

int vmctl_find(const char *name)
{
	uint64_t flags;
	int id = -ENOENT;

	if (!name)
		return -EINVAL;
	flags = spin_lock_irqsave(&table_lock);
	for (unsigned i = 0; i < VMCTL_MAX_VMS; i++)
		if (slots[i].vm && strcmp(slots[i].vm->name, name) == 0) {
			id = (int)slots[i].vm->id;
			break;
		}
	spin_unlock_irqrestore(&table_lock, flags);
	return id;
}

int vmctl_create(const struct vm_config *cfg)
{
	struct vm *vm;
	int id;

	if (!cfg || !cfg->name[0])
		return -EINVAL;
	if (vmctl_find(cfg->name) >= 0) {
		pr_err("vm %s: a VM of that name exists", cfg->name);
		return -EEXIST;
	}
	vm = vmm_build_vm(cfg, cfg->cmdline);
	if (!vm)
		return -EINVAL;
	id = vmctl_register(vm);
	if (id < 0)
		vm_destroy(vm);
	return id;
}

/* Take slot id for an operation that may wait: mark it busy. Returns the
 * VM, or NULL with *err set. */
static struct vm *claim(unsigned id, int *err)
{
	uint64_t flags = spin_lock_irqsave(&table_lock);
	struct vmctl_slot *s = slot_of(id);
	struct vm *vm = NULL;

	if (!s)
		*err = -ENOENT;
	else if (s->busy)
		*err = -EBUSY;
	else {
		s->busy = true;
		vm = s->vm;
	}
	spin_unlock_irqrestore(&table_lock, flags);
	return vm;
}

static void unclaim(unsigned id)
{
	uint64_t flags = spin_lock_irqsave(&table_lock);
	struct vmctl_slot *s = slot_of(id);

	if (s)
		s->busy = false;
	spin_unlock_irqrestore(&table_lock, flags);
}

/* Give a CREATED VM's vCPU to the scheduler. */
static int start_locked(struct vmctl_slot *s)
{
	struct vm *vm = s->vm;
	int err;

	if (vm->state != VM_CREATED || !vm->vcpu)
		return -EBUSY;
	live_vms++;
	all_stopped = false;
	s->released = false;
	err = vcpu_start(vm->vcpu);
	if (err) {
		live_vms--;
		all_stopped = live_vms == 0;
		vm->state = VM_CREATED;
	}
	return err;
}

int vmctl_start(unsigned id)
{
	uint64_t flags = spin_lock_irqsave(&table_lock);
	struct vmctl_slot *s = slot_of(id);
	int err = !s ? -ENOENT : s->busy ? -EBUSY : start_locked(s);

	spin_unlock_irqrestore(&table_lock, flags);
	return err;
}

/* Pause or resume a running VM. */
static int pause_resume(unsigned id, bool pause)
{
	uint64_t flags = spin_lock_irqsave(&table_lock), kick = 0;
	struct vmctl_slot *s = slot_of(id);
	int err = 0;

	if (!s)
		err = -ENOENT;
	else if (s->busy || s->vm->state != VM_RUNNING || s->vm->sched.paused == pause)
		err = -EBUSY;
	else if (pause)
		err = sched_pause_group(&s->vm->sched, time_now_ns(), &kick);
	else
		err = sched_resume_group(&s->vm->sched, time_now_ns(), &kick);
	spin_unlock_irqrestore(&table_lock, flags);
	vm_sched_kick(kick);
	if (!err)
		pr_info("vm %s: %s", s->vm->name, pause ? "paused" : "resumed");
	return err;
}

int vmctl_pause(unsigned id)
{
	return pause_resume(id, true);
}

int vmctl_resume(unsigned id)
{
	return pause_resume(id, false);
}

/* Stop vm (claimed) if it runs and wait until its stop handler returned
 * its memory. */
static void stop_and_wait(unsigned id, struct vm *vm, const char *why)
{
	struct vmctl_slot *s;
	uint64_t flags;

	if (vm->state == VM_CREATED)
		return;
	vm_stop(vm, "%s", why);
	vm_reap(vm);
	for (;;) {
		bool done;
		flags = spin_lock_irqsave(&table_lock);
		s = slot_of(id);
		done = !s || __atomic_load_n(&s->released, __ATOMIC_ACQUIRE);
		spin_unlock_irqrestore(&table_lock, flags);
		if (done)
			return;
		cpu_relax();
	}
}

int vmctl_destroy(unsigned id)
{
	int err = 0;
	struct vm *vm = claim(id, &err);
	uint64_t flags;

	if (!vm)
		return err;
	if (vm->privileged) {
		unclaim(id);
		pr_err("vm %s: the console domain cannot be destroyed", vm->name);
		return -EPERM;
	}
	stop_and_wait(id, vm, "destroyed");
	flags = spin_lock_irqsave(&table_lock);
	slots[id % VMCTL_MAX_VMS].vm = NULL;
	slots[id % VMCTL_MAX_VMS].busy = false;
	spin_unlock_irqrestore(&table_lock, flags);
	pr_info("vm %s: destroyed", vm->name);
	vm_destroy(vm);
	return 0;
}

int vmctl_reset(unsigned id)
{
	int err = 0;
	struct vm *vm = claim(id, &err), *fresh;
	struct vm_config *cfg;
	uint64_t flags;

	if (!vm)
		return err;
	if (!vm->config) {
		unclaim(id);
		return -EINVAL;
	}
	stop_and_wait(id, vm, "reset");
	cfg = vm->config;
	fresh = vmm_build_vm(cfg, cfg->cmdline);
	if (!fresh) {
		unclaim(id);
		return -ENOMEM;
	}
	fresh->id = vm->id;
	fresh->privileged = vm->privileged;
	fresh->on_stopped = vm_stopped;
	flags = spin_lock_irqsave(&table_lock);
	slots[id % VMCTL_MAX_VMS].vm = fresh;
	err = start_locked(&slots[id % VMCTL_MAX_VMS]);
	slots[id % VMCTL_MAX_VMS].busy = false;
	spin_unlock_irqrestore(&table_lock, flags);
	vm_destroy(vm);
	if (!err)
		pr_info("vm %s: reset", fresh->name);
	return err;
}

int vmctl_set_sched(unsigned id, uint32_t weight, uint32_t cap)
{
	uint64_t flags;
	struct vmctl_slot *s;
	int err;

	if (weight < 1 || weight > SCHED_WEIGHT_MAX || cap > 100)
		return -EINVAL;
	flags = spin_lock_irqsave(&table_lock);
	s = slot_of(id);
	err = !s ? -ENOENT : sched_set_weight(&s->vm->sched, weight);
	if (!err)
		err = sched_set_cap(&s->vm->sched, cap);
	spin_unlock_irqrestore(&table_lock, flags);
	return err;
}

static enum vmctl_vcpu_state vcpu_state_of(struct vm *vm)
{
	struct sched_entity *se;

	if (vm->state == VM_STOPPED || !vm->vcpu)
		return VMCTL_VCPU_STOPPED;
	if (vm->state == VM_CREATED)
		return VMCTL_VCPU_PAUSED;
	if (vcpu_halted(vm->vcpu, NULL))
		return VMCTL_VCPU_HALTED;
	se = vcpu_entity(vm->vcpu);
	switch (sched_entity_state(se)) {
	case SCHED_RUNNING:
		return VMCTL_VCPU_RUNNING;
	case SCHED_RUNNABLE:
		return VMCTL_VCPU_RUNNABLE;
	case SCHED_BLOCKED:
		return VMCTL_VCPU_HALTED;
	case SCHED_PAUSED:
		return VMCTL_VCPU_PAUSED;
	default:
		return VMCTL_VCPU_STOPPED;
	}
}

int vmctl_vcpu_list(unsigned id, struct vmctl_vcpu_info *out, unsigned max)
{
	uint64_t flags = spin_lock_irqsave(&table_lock);
	struct vmctl_slot *s = slot_of(id);
	int n = 0;

	if (s && !s->vm->vcpu && out && max) {
		/* Stopped and released: only the record is left. */
		out[0] = (struct vmctl_vcpu_info){
			.vm_id = s->vm->id, .index = 0, .cpu = -1,
			.affinity = s->vm->vcpu_affinity, .state = VMCTL_VCPU_STOPPED,
			.run_time_ns = s->runtime_ns, .exits = s->exits_total,
		};
	} else if (s && out && max) {
		struct vm *vm = s->vm;
		struct sched_entity *se = vcpu_entity(vm->vcpu);
		struct sched_entity_stats st = sched_entity_get_stats(se);
		out[0] = (struct vmctl_vcpu_info){
			.vm_id = vm->id, .index = 0,
			.cpu = st.nr_runs ? (int)sched_entity_cpu(se) : -1,
			.affinity = vm->vcpu_affinity,
			.state = vcpu_state_of(vm),
			.run_time_ns = st.runtime_ns,
			.exits = vm->vcpu->exit_count,
		};
	}
	if (s)
		n = 1;
	spin_unlock_irqrestore(&table_lock, flags);
	return s ? n : -ENOENT;
}

int vmctl_vcpu_pin(unsigned id, unsigned vcpu, uint64_t cpu_mask)
{
	uint64_t flags = spin_lock_irqsave(&table_lock), kick = 0;
	struct vmctl_slot *s = slot_of(id);
	int err = 0;

	if (!s)
		err = -ENOENT;
	else if (vcpu != 0 || !s->vm->vcpu)
		err = -EINVAL;
	else if (s->vm->state == VM_RUNNING)
		/* The scheduler takes "every CPU" as an explicit mask. */
		err = sched_set_affinity(vcpu_entity(s->vm->vcpu), cpu_mask ? cpu_mask : ~0ULL,
					 time_now_ns(), &kick);
	if (!err && s)
		s->vm->vcpu_affinity = cpu_mask;
	spin_unlock_irqrestore(&table_lock, flags);
	vm_sched_kick(kick);
	return err;
}

int vmctl_stats(unsigned id, struct vmctl_stats *out)
{
	uint64_t flags;
	struct vmctl_slot *s;

	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	flags = spin_lock_irqsave(&table_lock);
	s = slot_of(id);
	if (s && s->vm->vcpu) {
		memcpy(out->exits, s->vm->vcpu->exits_by_kind, sizeof(s->exits));
		out->exits_total = s->vm->vcpu->exit_count;
		out->run_time_ns = sched_group_runtime(&s->vm->sched);
	} else if (s) {
		memcpy(out->exits, s->exits, sizeof(s->exits));
		out->exits_total = s->exits_total;
		out->run_time_ns = s->runtime_ns;
	}
	spin_unlock_irqrestore(&table_lock, flags);
	return s ? 0 : -ENOENT;
}

struct vm *vmctl_vm(unsigned id)
{
	uint64_t flags = spin_lock_irqsave(&table_lock);
	struct vmctl_slot *s = slot_of(id);
	struct vm *vm = s ? s->vm : NULL;

	spin_unlock_irqrestore(&table_lock, flags);
	return vm;
}
