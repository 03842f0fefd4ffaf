/* hypercall.h - the guest-to-plinth call interface (vmm/hypercall.c).
 *
 * ABI (both 32- and 64-bit guests): VMCALL (Intel) / VMMCALL (AMD) with the
 * call number in EAX/RAX and arguments in RBX, RCX, RDX, RSI; the result
 * comes back in RAX: >= 0 on success, a negative error from
 * <plinth/compiler.h> otherwise (-ENOSYS for an unknown number, -EPERM
 * from CPL > 0). A hypercall never faults the guest. */
#ifndef VMM_HYPERCALL_H
#define VMM_HYPERCALL_H

#include <plinth/vm.h>

#define HC_ABI_VERSION 0      /* returns PLINTH_HC_ABI */
#define PLINTH_HC_ABI  1

/* Perform the call the guest's registers describe and put the result in
 * its RAX. */
void hypercall_dispatch(struct vcpu *v);

#endif
