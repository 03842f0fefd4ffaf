/* mmio.h - MMIO emulation after a second-level fault (vmm/mmio.c). */
#ifndef VMM_MMIO_H
#define VMM_MMIO_H

#include <plinth/vm.h>

/* Emulate the instruction at the guest's RIP, which accessed gpa in the
 * MMIO region. Returns the bytes to advance RIP (0: re-execute it, as a
 * REP STOS that stopped at a page end), or a negative error after
 * stopping the VM with the reason. */
int mmio_emulate(struct vcpu *v, struct vm_region *region, gpa_t gpa);

#endif
