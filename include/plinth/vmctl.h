/* vmctl.h - the runtime control API for VMs: what the console domain's
 * hypercalls (and boot-time configuration) use to manage VMs while plinth
 * runs. Implemented in vmm/vmctl.c on top of the scheduler. Every function
 * validates its arguments and returns 0 or a negative error (-ENOENT for an
 * unknown VM, -EINVAL for a bad argument, -EBUSY for a state that does not
 * allow the operation, -ENOMEM); nothing here panics on bad input.
 *
 * Locking: callable from any CPU with interrupts enabled; each call takes
 * the VM table lock and, where needed, the VM's own lock. */
#ifndef PLINTH_VMCTL_H
#define PLINTH_VMCTL_H

#include <plinth/compiler.h>

struct vm_config;

#define VMCTL_MAX_VMS     64
#define VMCTL_MAX_VCPUS   64

enum vmctl_state {
	VMCTL_CREATED = 0,   /* built, never started */
	VMCTL_RUNNING,       /* on the run queues (some vCPUs may be halted) */
	VMCTL_PAUSED,        /* off the run queues, state kept */
	VMCTL_STOPPED,       /* guest powered off / stopped by plinth (reason kept) */
};

struct vmctl_vm_info {
	unsigned id;
	char name[32];
	enum vmctl_state state;
	unsigned vcpus;
	uint64_t memory;             /* bytes of guest RAM */
	uint32_t weight;             /* scheduler weight (default 256) */
	uint32_t cap;                /* % of one CPU, 0 = none */
	uint64_t cpu_time_ns;        /* guest run time, all vCPUs */
	bool privileged;             /* the console domain */
	bool exit_code_valid;
	uint32_t exit_code;
	char stop_reason[128];
};

enum vmctl_vcpu_state { VMCTL_VCPU_RUNNING, VMCTL_VCPU_RUNNABLE, VMCTL_VCPU_HALTED,
			VMCTL_VCPU_PAUSED, VMCTL_VCPU_STOPPED, VMCTL_VCPU_WAIT_SIPI };

struct vmctl_vcpu_info {
	unsigned vm_id;
	unsigned index;              /* vCPU number within the VM */
	int cpu;                     /* host CPU it runs / last ran on, -1 if never */
	uint64_t affinity;           /* host CPU mask, 0 = any */
	enum vmctl_vcpu_state state;
	uint64_t run_time_ns;
	uint64_t exits;
};

struct vmctl_stats {
	uint64_t run_time_ns;
	uint64_t exits_total;
	uint64_t exits[32];          /* by enum exit_kind (EXIT_KIND_COUNT <= 32) */
};

/* Listing: fill up to max entries, return how many VMs exist (may be > max). */
int vmctl_list(struct vmctl_vm_info *out, unsigned max);
int vmctl_info(unsigned id, struct vmctl_vm_info *out);
/* Name to id; -ENOENT if none. */
int vmctl_find(const char *name);

/* Create a VM from a configuration (boot modules looked up by the config's
 * image/modules). Returns the new id (not started), or an error. */
int vmctl_create(const struct vm_config *cfg);
int vmctl_start(unsigned id);
int vmctl_pause(unsigned id);
int vmctl_resume(unsigned id);
/* Reset: stop every vCPU, reload the image, start again from the beginning. */
int vmctl_reset(unsigned id);
/* Stop and free everything the VM holds; its memory returns to the allocator.
 * The console domain cannot destroy itself (-EPERM). */
int vmctl_destroy(unsigned id);

int vmctl_set_sched(unsigned id, uint32_t weight, uint32_t cap);   /* weight 1..65535, cap 0..100 */
int vmctl_vcpu_list(unsigned id, struct vmctl_vcpu_info *out, unsigned max);
int vmctl_vcpu_pin(unsigned id, unsigned vcpu, uint64_t cpu_mask);   /* mask 0 = any */
int vmctl_stats(unsigned id, struct vmctl_stats *out);

#endif
