/* console_domain.h - the console domain (vmm/console_domain.c): the
 * privileged VM, named "console", that plinth starts first and that owns
 * the physical serial port and the administration shell (console/). */
#ifndef PLINTH_CONSOLE_DOMAIN_H
#define PLINTH_CONSOLE_DOMAIN_H

#include <plinth/compiler.h>

/* Build, register (vmctl) and start the console domain, and hand it the
 * serial port: its I/O ports pass through, its IRQ is forwarded into the
 * domain. Call once the backend and the scheduler are up, before the
 * other VMs. Does nothing (logged) when there is nothing to own (no
 * serial console, console=none) or with test_exit (boot tests that power
 * off as soon as the VMs are done keep plinth's own console). Returns 0
 * when started, else a negative error; the other VMs start either way. */
int console_domain_start(void);
/* Console domains started since boot (0: none yet; above 1: restarts). */
unsigned console_domain_starts(void);

#endif
