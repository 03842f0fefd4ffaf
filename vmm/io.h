/* io.h - port dispatch beyond the vm.h API (vmm/io.c), for the exit
 * handlers that need to know whether a device model took the access. */
#ifndef VMM_IO_H
#define VMM_IO_H

#include <plinth/vm.h>

/* One access of size 1, 2 or 4: IN fills *val, OUT sends *val. *claimed
 * says whether a device model holds port (unassigned ports read all ones
 * and drop writes, as vm_io_in/vm_io_out). Returns the device's result. */
int vm_io_access(struct vm *vm, uint16_t port, unsigned size, bool in, uint32_t *val,
		 bool *claimed);
/* True if a device model holds port. */
bool vm_io_claimed(struct vm *vm, uint16_t port);

#endif
