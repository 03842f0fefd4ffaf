/* vm_console.h - a VM's serial console as the console domain reaches it
 * (vmm/dev_uart.c): the last 64 KiB the guest transmitted on COM1
 * (console_ring.h) and its receive side. Every function takes the UART's
 * lock, so the VM's own vCPU and the console domain's hypercalls may use
 * them at the same time. */
#ifndef VMM_VM_CONSOLE_H
#define VMM_VM_CONSOLE_H

#include <plinth/vm.h>

/* Copy console output from *pos (absolute ring position) into buf[size];
 * advance *pos, set *end to the ring's end. Returns the bytes copied, or
 * -ENODEV if the VM has no UART model. */
int vm_console_read(struct vm *vm, uint64_t *pos, char *buf, size_t size, uint64_t *end);
/* Where a replay of about max_bytes of recent output starts (a line
 * start when possible), in *pos. 0 or -ENODEV. */
int vm_console_replay_pos(struct vm *vm, size_t max_bytes, uint64_t *pos);
/* Bytes typed at the VM's console: into its UART's receive FIFO, raising
 * the UART's interrupt when the guest enabled it. Returns the bytes taken
 * (fewer when the FIFO is full), or -ENODEV. */
int vm_console_input(struct vm *vm, const uint8_t *data, size_t len);

#endif
