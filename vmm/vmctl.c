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
 * hold a per-slot "busy" mark so two of them cannot work on one VM.
 *
 * A guest resets itself (vmctl_request_reset, from its own exit handler)
 * by stopping: the reset happens in the stop handler, after its last vCPU
 * left the scheduler, when no vCPU of it can still run. */
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
	bool reset_pending;          /* the guest asked for a reset: rebuild it when stopped */
	struct vm *retired;          /* the incarnation before the last reset, freed at the
					next reset or destroy: a console hypercall on
					another CPU may still hold its pointer (vmctl_vm) */
	uint64_t exits[EXIT_KIND_COUNT];   /* kept when the vCPUs are freed: all vCPUs */
	uint64_t exits_total;
	uint64_t runtime_ns;
	unsigned nr_vcpus;                 /* and per vCPU: */
	uint64_t vcpu_runtime_ns[VM_MAX_VCPUS];
	uint64_t vcpu_exits[VM_MAX_VCPUS];
};

/* The VM's exits by kind and in all, summed over its vCPUs. */
static void sum_exits(const struct vm *vm, uint64_t by_kind[EXIT_KIND_COUNT], uint64_t *total)
{
	memset(by_kind, 0, EXIT_KIND_COUNT * sizeof(uint64_t));
	*total = 0;
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		for (unsigned k = 0; k < EXIT_KIND_COUNT; k++)
			by_kind[k] += vm->vcpus[i]->exits_by_kind[k];
		*total += vm->vcpus[i]->exit_count;
	}
}

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

static int rebuild(unsigned id, struct vm *old);

/* The VM's last vCPU left the scheduler (vm->on_stopped): report and
 * give its memory back, and build it again if the guest reset itself.
 * Runs once per start, on any CPU. */
static void vm_stopped(struct vm *vm)
{
	struct vmctl_slot *s;
	uint64_t flags;
	bool reset;

	vm_uart_flush(vm);
	vm_stats_print(vm);
	if (vm->nr_vcpus) {
		/* All vCPUs together: times and counts summed, the longest
		 * wait the longest of any. */
		struct sched_entity_stats st = { 0 };
		for (unsigned i = 0; i < vm->nr_vcpus; i++) {
			struct sched_entity_stats one =
				sched_entity_get_stats(vcpu_entity(vm->vcpus[i]));
			st.runtime_ns += one.runtime_ns;
			st.nr_runs += one.nr_runs;
			st.wait_ns += one.wait_ns;
			st.max_wait_ns = MAX(st.max_wait_ns, one.max_wait_ns);
			st.nr_wakeups += one.nr_wakeups;
			st.nr_migrations += one.nr_migrations;
		}
		pr_info("vm %s: scheduler: ran %llu ms in %llu slices, waited %llu ms (longest "
			"%llu us), %llu wake-ups, %llu migrations", vm->name,
			(unsigned long long)(st.runtime_ns / 1000000), (unsigned long long)st.nr_runs,
			(unsigned long long)(st.wait_ns / 1000000),
			(unsigned long long)(st.max_wait_ns / 1000),
			(unsigned long long)st.nr_wakeups, (unsigned long long)st.nr_migrations);
	}
	flags = spin_lock_irqsave(&table_lock);
	s = slot_of(vm->id);
	if (s && vm->nr_vcpus) {
		sum_exits(vm, s->exits, &s->exits_total);
		s->nr_vcpus = vm->nr_vcpus;
		for (unsigned i = 0; i < vm->nr_vcpus; i++) {
			s->vcpu_runtime_ns[i] =
				sched_entity_get_stats(vcpu_entity(vm->vcpus[i])).runtime_ns;
			s->vcpu_exits[i] = vm->vcpus[i]->exit_count;
		}
	}
	if (s)
		s->runtime_ns = sched_group_runtime(&vm->sched);
	spin_unlock_irqrestore(&table_lock, flags);
	vm_release(vm);
	flags = spin_lock_irqsave(&table_lock);
	if (s)
		__atomic_store_n(&s->released, true, __ATOMIC_RELEASE);
	/* A guest reset (not overtaken by a destroy or reset in progress):
	 * the fresh VM starts before this one counts as gone, so the boot
	 * loop never sees "every VM stopped" in between. */
	reset = s && s->reset_pending && !s->busy && vm->config;
	if (s) {
		s->reset_pending = false;
		s->busy |= reset;
	}
	spin_unlock_irqrestore(&table_lock, flags);
	if (reset && rebuild(vm->id, vm))
		pr_err("vm %s: the guest's reset failed; the VM stays stopped", vm->name);
	flags = spin_lock_irqsave(&table_lock);
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

	if (vm->state != VM_CREATED || !vm->nr_vcpus)
		return -EBUSY;
	live_vms++;
	all_stopped = false;
	s->released = false;
	err = vm_start_vcpus(vm);
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
	struct vm *vm = claim(id, &err), *retired;
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
	retired = slots[id % VMCTL_MAX_VMS].retired;
	slots[id % VMCTL_MAX_VMS].retired = NULL;
	slots[id % VMCTL_MAX_VMS].vm = NULL;
	slots[id % VMCTL_MAX_VMS].busy = false;
	spin_unlock_irqrestore(&table_lock, flags);
	pr_info("vm %s: destroyed", vm->name);
	vm_destroy(vm);
	vm_destroy(retired);
	return 0;
}

int vmctl_reset(unsigned id)
{
	int err = 0;
	struct vm *vm = claim(id, &err);

	if (!vm)
		return err;
	if (!vm->config) {
		unclaim(id);
		return -EINVAL;
	}
	stop_and_wait(id, vm, "reset");
	return rebuild(id, vm);
}

/* Build slot id's VM (claimed: busy; old, stopped with its memory
 * released) again from its configuration and start it in old's place,
 * with old's id. old becomes the slot's retired incarnation (the one
 * before is freed now). Clears busy. 0, or an error with old left in the
 * slot, stopped. */
static int rebuild(unsigned id, struct vm *old)
{
	struct vm_config *cfg = old->config;
	struct vm *fresh = vmm_build_vm(cfg, cfg->cmdline), *gone;
	struct vmctl_slot *s = &slots[id % VMCTL_MAX_VMS];
	uint64_t flags;
	int err;

	if (!fresh) {
		unclaim(id);
		return -ENOMEM;
	}
	fresh->id = old->id;
	fresh->privileged = old->privileged;
	fresh->on_stopped = vm_stopped;
	flags = spin_lock_irqsave(&table_lock);
	s->vm = fresh;
	gone = s->retired;
	s->retired = old;
	err = start_locked(s);
	s->busy = false;
	spin_unlock_irqrestore(&table_lock, flags);
	vm_destroy(gone);
	if (!err)
		pr_info("vm %s: reset", fresh->name);
	return err;
}

void vmctl_request_reset(struct vm *vm, const char *how)
{
	uint64_t flags = spin_lock_irqsave(&table_lock);
	struct vmctl_slot *s = slot_of(vm->id);
	bool ok = s && s->vm == vm && !s->busy && vm->config && vm->state == VM_RUNNING;

	if (ok)
		s->reset_pending = true;
	spin_unlock_irqrestore(&table_lock, flags);
	if (ok)
		vm_stop(vm, "reset by the guest (%s)", how);
	else
		vm_stop(vm, "reset requested by the guest (%s), but the VM cannot be rebuilt", how);
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

static enum vmctl_vcpu_state vcpu_state_of(struct vm *vm, struct vcpu *v)
{
	struct sched_entity *se;

	if (vm->state == VM_STOPPED || !v)
		return VMCTL_VCPU_STOPPED;
	if (vm->state == VM_CREATED)
		return VMCTL_VCPU_PAUSED;
	if (vcpu_waits_for_sipi(v))
		return VMCTL_VCPU_WAIT_SIPI;
	if (vcpu_halted(v, NULL))
		return VMCTL_VCPU_HALTED;
	se = vcpu_entity(v);
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
	struct vm *vm = s ? s->vm : NULL;
	int n = 0;

	if (s && !vm->nr_vcpus) {
		/* Stopped and released: only the record is left. */
		n = (int)(s->nr_vcpus ? s->nr_vcpus : vm_vcpus_wanted(vm));
		for (unsigned i = 0; out && i < (unsigned)n && i < max; i++)
			out[i] = (struct vmctl_vcpu_info){
				.vm_id = vm->id, .index = i, .cpu = -1,
				.affinity = vm->config ? vm->config->pin[i] : vm->vcpu_affinity,
				.state = VMCTL_VCPU_STOPPED,
				.run_time_ns = s->vcpu_runtime_ns[i], .exits = s->vcpu_exits[i],
			};
	} else if (s) {
		n = (int)vm->nr_vcpus;
		for (unsigned i = 0; out && i < vm->nr_vcpus && i < max; i++) {
			struct vcpu *v = vm->vcpus[i];
			struct sched_entity *se = vcpu_entity(v);
			struct sched_entity_stats st = sched_entity_get_stats(se);
			out[i] = (struct vmctl_vcpu_info){
				.vm_id = vm->id, .index = i,
				.cpu = st.nr_runs ? (int)sched_entity_cpu(se) : -1,
				.affinity = vcpu_affinity(v),
				.state = vcpu_state_of(vm, v),
				.run_time_ns = st.runtime_ns,
				.exits = v->exit_count,
			};
		}
	}
	spin_unlock_irqrestore(&table_lock, flags);
	return s ? n : -ENOENT;
}

int vmctl_vcpu_pin(unsigned id, unsigned vcpu, uint64_t cpu_mask)
{
	uint64_t flags = spin_lock_irqsave(&table_lock), kick = 0;
	struct vmctl_slot *s = slot_of(id);
	struct vcpu *v = NULL;
	int err = 0;

	if (!s)
		err = -ENOENT;
	else if (vcpu >= s->vm->nr_vcpus)
		err = -EINVAL;
	else
		v = s->vm->vcpus[vcpu];
	if (!err && s->vm->state == VM_RUNNING)
		/* The scheduler takes "every CPU" as an explicit mask. */
		err = sched_set_affinity(vcpu_entity(v), cpu_mask ? cpu_mask : ~0ULL,
					 time_now_ns(), &kick);
	if (!err) {
		vcpu_set_affinity_mask(v, cpu_mask);
		if (vcpu == 0)
			s->vm->vcpu_affinity = cpu_mask;
	}
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
	if (s && s->vm->nr_vcpus) {
		uint64_t by_kind[EXIT_KIND_COUNT];
		sum_exits(s->vm, by_kind, &out->exits_total);
		memcpy(out->exits, by_kind, sizeof(by_kind));
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
