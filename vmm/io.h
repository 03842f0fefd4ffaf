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

#define VM_IO_STATS_TOP      10    /* ports named in the statistics line */
#define VM_IO_STATS_LINE_MAX 400   /* the log's line holds 512 with "vm NAME: " */
/* Format the exit counts by port (vm_io_count_exit) into buf[size]: "N io
 * exits at P ports: 0x3fd in 18000, 0x3f8 out 17000, ..." naming the top
 * ones by count, then "; K at ports beyond the table" if any overflowed.
 * Always NUL-terminated (size > 0); returns the full text's length. */
int vm_io_stats_format(const struct vm *vm, char *buf, size_t size, unsigned top);

#endif
