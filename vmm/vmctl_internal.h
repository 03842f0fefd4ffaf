/* vmctl_internal.h - what the rest of vmm/ uses of the control API's VM
 * table (vmm/vmctl.c) beyond include/plinth/vmctl.h. */
#ifndef VMM_VMCTL_INTERNAL_H
#define VMM_VMCTL_INTERNAL_H

#include <plinth/vm.h>

/* Enter a built VM (state CREATED) in the table; returns its id, or
 * -ENOSPC (logged). The table owns the VM from now on: when it stops, its
 * statistics are printed and its memory returned (vmctl_destroy frees the
 * rest). */
int vmctl_register(struct vm *vm);
/* True once every started VM has stopped (the BSP's boot loop waits on it;
 * false again when a VM starts). */
volatile bool *vmctl_all_stopped_flag(void);
/* The VM with this id, or NULL (the console hypercalls: console read,
 * write, attach). The pointer stays valid until vmctl_destroy or
 * vmctl_reset of that id, which only the console domain's own serialised
 * hypercalls (and its restart) call. */
struct vm *vmctl_vm(unsigned id);

#endif
