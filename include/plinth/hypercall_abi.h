/* hypercall_abi.h - the guest-to-plinth call interface as both sides see it:
 * plinth (vmm/hypercall*.c) and the console domain (console/). Only fixed-
 * width types, so a 32-bit guest and the 64-bit hypervisor agree on every
 * layout (checked by the _Static_asserts at the end). docs/hypercalls.md is
 * the reference; keep it in step with this file.
 *
 * Calling convention: VMCALL (Intel) / VMMCALL (AMD) with the call number in
 * EAX/RAX and arguments in RBX, RCX, RDX, RSI (a 32-bit guest: EBX, ECX,
 * EDX, ESI, upper halves ignored). The result comes back in RAX: >= 0 on
 * success, a negative error (HC_E*, the values of <plinth/compiler.h>)
 * otherwise; a 32-bit guest sees it sign-extended from EAX. Buffers are
 * guest-physical addresses (GPA) of guest RAM; a buffer that is not wholly
 * RAM gives -EFAULT. A hypercall never faults the guest. Calls marked
 * "privileged" return -EPERM to every VM except the console domain; every
 * call returns -EPERM when made from CPL > 0. */
#ifndef PLINTH_HYPERCALL_ABI_H
#define PLINTH_HYPERCALL_ABI_H

#include <stdint.h>

#define PLINTH_HC_ABI 2          /* HC_VERSION's answer; bumped on any change */

/* Call numbers: one table (vmm/hypercall.c), indexed by these. */
#define HC_VERSION        0   /* () -> PLINTH_HC_ABI */
#define HC_HOST_INFO      1   /* priv (gpa struct hc_host_info) -> 0 */
#define HC_VM_LIST        2   /* priv (gpa struct hc_vm_info[max], max) -> VMs existing */
#define HC_VM_INFO        3   /* priv (id, gpa struct hc_vm_info) -> 0 */
#define HC_VM_CREATE      4   /* priv (gpa text, len, gpa why, why_size) -> new id */
#define HC_VM_START       5   /* priv (id) -> 0 */
#define HC_VM_PAUSE       6   /* priv (id) -> 0 */
#define HC_VM_RESUME      7   /* priv (id) -> 0 */
#define HC_VM_RESET       8   /* priv (id) -> 0 */
#define HC_VM_DESTROY     9   /* priv (id) -> 0 */
#define HC_VCPU_LIST     10   /* priv (id, gpa struct hc_vcpu_info[max], max) -> vCPUs */
#define HC_VCPU_PIN      11   /* priv (id, vcpu, mask bits 0-31, mask bits 32-63) -> 0 */
#define HC_SCHED_GET     12   /* priv (id, gpa struct hc_sched) -> 0 */
#define HC_SCHED_SET     13   /* priv (id, weight, cap) -> 0 */
#define HC_CONSOLE_READ  14   /* priv (id, gpa struct hc_ring_read) -> bytes */
#define HC_CONSOLE_WRITE 15   /* priv (id, gpa bytes, len) -> bytes accepted */
#define HC_CONSOLE_ATTACH 16  /* priv (id, replay bytes, gpa uint64_t pos) -> 0 */
#define HC_LOG_READ      17   /* priv (gpa struct hc_ring_read, clear) -> bytes */
#define HC_VM_STATS      18   /* priv (id, gpa struct hc_vm_stats) -> 0 */
#define HC_SYSTEM        19   /* priv (HC_SYSTEM_*) -> does not return on success */
#define HC_COUNT         20

#define HC_SYSTEM_REBOOT   1
#define HC_SYSTEM_POWEROFF 2

/* Error values (negated in RAX), as <plinth/compiler.h>. */
#define HC_EPERM    1
#define HC_ENOENT   2
#define HC_E2BIG    7
#define HC_ENOEXEC  8
#define HC_ENOMEM  12
#define HC_EFAULT  14
#define HC_EBUSY   16
#define HC_EEXIST  17
#define HC_ENODEV  19
#define HC_EINVAL  22
#define HC_ENOSPC  28
#define HC_ERANGE  34
#define HC_ENOSYS  38
#define HC_ENOTSUP 95

#define HC_NAME_MAX      32   /* VM names, NUL-terminated */
#define HC_READ_MAX    4096   /* most bytes one ring read copies */
#define HC_CREATE_MAX  1024   /* most bytes of a VM_CREATE text */

/* HC_VIRT_* */
#define HC_VIRT_NONE 0
#define HC_VIRT_VMX  1
#define HC_VIRT_SVM  2

struct hc_host_info {
	uint32_t abi;                /* PLINTH_HC_ABI */
	uint32_t cpus_online;
	uint32_t cpus_possible;
	uint32_t virt_vendor;        /* HC_VIRT_* */
	uint64_t mem_total;          /* bytes of host RAM plinth manages */
	uint64_t mem_free;           /* bytes free in the page allocator */
	uint64_t uptime_ns;
	uint64_t virt_features;      /* VIRT_F_* of <plinth/virt.h> */
	char version[32];            /* plinth's version string */
	char features[96];           /* the features as words */
	uint32_t console_starts;     /* console domains started since boot (1 = the first) */
	uint32_t reserved;
};

/* VM states (enum vmctl_state). */
#define HC_VM_CREATED 0
#define HC_VM_RUNNING 1
#define HC_VM_PAUSED  2
#define HC_VM_STOPPED 3

#define HC_VM_F_PRIVILEGED  1u   /* the console domain */
#define HC_VM_F_EXIT_CODE   2u   /* exit_code is valid */

struct hc_vm_info {
	uint32_t id;
	uint32_t state;              /* HC_VM_* */
	uint32_t vcpus;
	uint32_t weight;
	uint32_t cap;                /* % of one CPU, 0 = none */
	uint32_t flags;              /* HC_VM_F_* */
	uint32_t exit_code;
	uint32_t reserved;
	uint64_t memory;             /* bytes of guest RAM */
	uint64_t cpu_time_ns;
	char name[HC_NAME_MAX];
	char stop_reason[128];
};

/* vCPU states (enum vmctl_vcpu_state). */
struct hc_vcpu_info {
	uint32_t vm_id;
	uint32_t index;
	int32_t cpu;                 /* host CPU, -1 if never run */
	uint32_t state;
	uint64_t affinity;           /* host CPU mask, 0 = any */
	uint64_t run_time_ns;
	uint64_t exits;
};

struct hc_sched {
	uint32_t weight;
	uint32_t cap;
};

#define HC_STATS_KINDS 32
struct hc_vm_stats {
	uint64_t run_time_ns;
	uint64_t exits_total;
	uint64_t exits[HC_STATS_KINDS];   /* by plinth's exit kind (vcpu_ops.h order) */
	char kind_names[HC_STATS_KINDS][16];   /* "" for unused kinds */
};

/* A read from a byte ring addressed by absolute positions (a VM's console,
 * the hypervisor log): the caller sets pos (where it stopped last time),
 * buf and size (at most HC_READ_MAX); plinth copies from pos, updates pos
 * and sets end (the ring's end now). Bytes that were overwritten since pos
 * are skipped and a "...N bytes dropped..." marker is copied in their place. */
struct hc_ring_read {
	uint64_t pos;                /* in/out */
	uint64_t end;                /* out */
	uint64_t buf;                /* in: GPA */
	uint32_t size;               /* in */
	uint32_t reserved;
};

_Static_assert(sizeof(struct hc_host_info) == 184, "hc_host_info layout");
_Static_assert(sizeof(struct hc_vm_info) == 208, "hc_vm_info layout");
_Static_assert(sizeof(struct hc_vcpu_info) == 40, "hc_vcpu_info layout");
_Static_assert(sizeof(struct hc_vm_stats) == 784, "hc_vm_stats layout");
_Static_assert(sizeof(struct hc_ring_read) == 32, "hc_ring_read layout");

#endif
