/* platform.h - the PC platform devices every VM gets beside COM1 and the
 * test-exit port (vmm/platform.c): the 8259 pair with its ELCR, QEMU's
 * fw_cfg, and the local APIC of its vCPU at 0xFEE00000; and the delivery
 * of their interrupts into the guest (vmm/exit_irq.c). */
#ifndef VMM_PLATFORM_H
#define VMM_PLATFORM_H

#include <plinth/vm.h>
#include "fw_cfg.h"
#include "vlapic.h"
#include "vpic.h"

struct vm_platform {
	struct vm *vm;
	struct fw_cfg fw_cfg;
	struct vpic pic;
	struct vlapic lapic;            /* vCPU 0's: one vCPU per VM in this slice */
	bool window_requested;          /* interrupt-window exiting is on */
	uint64_t host_timer_deadline;   /* guest time the host LAPIC timer is armed for */
	uint64_t host_timer_irqs;       /* this_cpu()->timer_irqs when it was armed */
};

/* ---- vmm/platform.c ---- */
/* Give vm the platform devices (call after its RAM is added: fw_cfg
 * reports the RAM size). 0, or -ENOMEM / the port or MMIO table's error
 * (logged); on error vm_platform_destroy() frees what was made. */
int vm_add_platform(struct vm *vm);
void vm_platform_destroy(struct vm *vm);
/* A device's interrupt line: set (level high / edge raised) or cleared.
 * gsi 0-15 are the ISA IRQs. Routes to the 8259 pair (and, once the VM has
 * one, the IOAPIC pin of the same GSI after ISA overrides). Edge devices
 * raise then lower. Safe to call from any exit handler of the VM. */
void vm_irq_set(struct vm *vm, unsigned gsi, bool level);

/* ---- vmm/exit_irq.c ---- */
/* Before every entry: run the virtual timer, inject the interrupt the
 * vCPU's controllers present if the guest can take it now, else ask for
 * an interrupt-window exit; keep the host LAPIC timer armed for the
 * guest timer's next expiry so a guest that never exits still gets it. */
void vcpu_deliver_interrupts(struct vcpu *v);

#endif
