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
 * write, attach). The pointer stays valid until vmctl_destroy of that id
 * (only the console domain's own serialised hypercalls and its restart
 * call it) or the second reset after this call (a reset keeps the VM it
 * replaced until the next one). */
struct vm *vmctl_vm(unsigned id);
/* The guest asked for a reset (0xCF9, the 8042's reset line, the FADT's
 * reset register): called from one of vm's vCPUs handling that exit. The
 * VM stops ("reset by the guest (HOW)"); once its last vCPU has left the
 * scheduler it is built again from its configuration (memory reloaded,
 * every vCPU at its start state) and started with the same id, as
 * vmctl_reset does. A VM without a configuration, or one a destroy or
 * reset is already working on, just stops. */
void vmctl_request_reset(struct vm *vm, const char *how);

#endif
