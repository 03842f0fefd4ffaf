/* hypercall.h - plinth's side of the guest-to-plinth call interface. The
 * ABI (numbers, structures, convention) is include/plinth/hypercall_abi.h,
 * documented in docs/hypercalls.md. The table lives in vmm/hypercall.c; the
 * handlers in vmm/hypercall_host.c (host, log, consoles, power) and
 * vmm/hypercall_vm.c (VM control through include/plinth/vmctl.h). */
#ifndef VMM_HYPERCALL_H
#define VMM_HYPERCALL_H

#include <plinth/hypercall_abi.h>
#include <plinth/vm.h>

/* The arguments of one call, already cut to the guest's operand size. */
struct hc_args { uint64_t a0, a1, a2, a3; };

/* Every handler returns the value for the guest's RAX: >= 0 or -E*. */
typedef int64_t (*hypercall_fn)(struct vcpu *v, const struct hc_args *args);

/* Perform the call the guest's registers describe and put the result in
 * its RAX. */
void hypercall_dispatch(struct vcpu *v);

/* ---- checked guest buffers (vmm/hypercall.c) ----
 * Copy between a guest-physical buffer of the calling VM and plinth:
 * -EFAULT unless every byte is guest RAM (vm_read_guest/vm_write_guest
 * check the regions), -E2BIG for len above limit. Nothing else touches
 * guest memory on behalf of a hypercall. */
int hc_copy_in(struct vcpu *v, uint64_t gpa, void *dst, uint64_t len, uint64_t limit);
int hc_copy_out(struct vcpu *v, uint64_t gpa, const void *src, uint64_t len, uint64_t limit);

/* ---- handlers (vmm/hypercall_host.c) ---- */
int64_t hc_version(struct vcpu *v, const struct hc_args *a);
int64_t hc_host_info(struct vcpu *v, const struct hc_args *a);
int64_t hc_log_read(struct vcpu *v, const struct hc_args *a);
int64_t hc_console_read(struct vcpu *v, const struct hc_args *a);
int64_t hc_console_write(struct vcpu *v, const struct hc_args *a);
int64_t hc_console_attach(struct vcpu *v, const struct hc_args *a);
int64_t hc_system(struct vcpu *v, const struct hc_args *a);

/* ---- handlers (vmm/hypercall_vm.c) ---- */
int64_t hc_vm_list(struct vcpu *v, const struct hc_args *a);
int64_t hc_vm_info(struct vcpu *v, const struct hc_args *a);
int64_t hc_vm_create(struct vcpu *v, const struct hc_args *a);
int64_t hc_vm_start(struct vcpu *v, const struct hc_args *a);
int64_t hc_vm_pause(struct vcpu *v, const struct hc_args *a);
int64_t hc_vm_resume(struct vcpu *v, const struct hc_args *a);
int64_t hc_vm_reset(struct vcpu *v, const struct hc_args *a);
int64_t hc_vm_destroy(struct vcpu *v, const struct hc_args *a);
int64_t hc_vcpu_list(struct vcpu *v, const struct hc_args *a);
int64_t hc_vcpu_pin(struct vcpu *v, const struct hc_args *a);
int64_t hc_sched_get(struct vcpu *v, const struct hc_args *a);
int64_t hc_sched_set(struct vcpu *v, const struct hc_args *a);
int64_t hc_vm_stats(struct vcpu *v, const struct hc_args *a);
/* The VM with this id for the console calls, or NULL (vmctl). */
struct vm *hc_vm_by_id(uint64_t id);

#endif
