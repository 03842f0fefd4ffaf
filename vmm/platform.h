/* platform.h - the PC platform devices every VM gets beside COM1 and the
 * test-exit port (vmm/platform.c): the 8259 pair with its ELCR, the 8254
 * PIT, the CMOS RTC, the I/O APIC at 0xFEC00000, PCI configuration space
 * with a host bridge, port B / reset control / the absent 8042, the ACPI
 * PM block, QEMU's fw_cfg, and the local APIC of its vCPU at 0xFEE00000;
 * and the delivery of their interrupts into the guest (vmm/exit_irq.c). */
#ifndef VMM_PLATFORM_H
#define VMM_PLATFORM_H

#include <plinth/vm.h>
#include "dev_misc.h"
#include "fw_cfg.h"
#include "vioapic.h"
#include "vlapic.h"
#include "vpci.h"
#include "vpic.h"
#include "vpit.h"
#include "vrtc.h"

/* Where the ACPI PM block is (the FADT names it; vmm/vacpi.h layout). */
#define PLATFORM_PM_BASE   0x600
#define PLATFORM_SCI_IRQ   9
#define PLATFORM_IOAPIC_ID 0     /* I/O APIC IDs are a separate name space from
				    local APIC IDs on xAPIC systems; 0 as QEMU */
/* The RTC's time at VM start: 2026-01-01 00:00:00 UTC (fixed, so guests
 * see the same date in every run). */
#define PLATFORM_RTC_EPOCH 1767225600ll

struct vm_platform {
	struct vm *vm;
	struct fw_cfg fw_cfg;
	struct vpic pic;
	struct vlapic lapic;            /* vCPU 0's: one vCPU per VM in this slice */
	struct vpit pit;
	struct vrtc rtc;
	struct vioapic ioapic;
	struct vpci pci;
	struct vmisc misc;
	bool rtc_irq;                   /* IRQ 8 as last driven */
	bool window_requested;          /* interrupt-window exiting is on */
	uint64_t host_timer_deadline;   /* guest time the host LAPIC timer is armed for */
	uint64_t host_timer_irqs;       /* this_cpu()->timer_irqs when it was armed */
	uint32_t dropped_msgs;          /* I/O APIC messages with no taker (logged once) */
};

/* ---- vmm/platform.c ---- */
/* Give vm the platform devices (call after its RAM is added: fw_cfg
 * reports the RAM size). 0, or -ENOMEM / the port or MMIO table's error
 * (logged); on error vm_platform_destroy() frees what was made. */
int vm_add_platform(struct vm *vm);
void vm_platform_destroy(struct vm *vm);
/* A device's interrupt line: set (level high / edge raised) or cleared.
 * gsi 0-15 are the ISA IRQs: they go to the 8259 pair and to the I/O APIC
 * pin the MADT's overrides name (IRQ 0 -> pin 2, the others to the pin of
 * their number); 16-23 reach the I/O APIC only. Edge devices raise then
 * lower. Safe to call from any exit handler of the VM. */
void vm_irq_set(struct vm *vm, unsigned gsi, bool level);
/* Run the platform's timers up to now (the PIT's IRQ 0, the RTC's IRQ 8)
 * and return the earliest guest time one of them will next raise its
 * line, 0 if none will. Called before every entry and while a vCPU halts. */
uint64_t vm_platform_timers(struct vm_platform *p, uint64_t now);
/* The earlier of two deadlines, where 0 means none. */
static inline uint64_t deadline_earliest(uint64_t a, uint64_t b)
{
	return !a ? b : !b ? a : MIN(a, b);
}

/* ---- vmm/exit_irq.c ---- */
/* Before every entry: run the virtual timer, inject the interrupt the
 * vCPU's controllers present if the guest can take it now, else ask for
 * an interrupt-window exit; keep the host LAPIC timer armed for the
 * guest timer's next expiry so a guest that never exits still gets it. */
void vcpu_deliver_interrupts(struct vcpu *v);

#endif
