/* platform.h - the PC platform devices every VM gets beside COM1 and the
 * test-exit port (vmm/platform.c): the 8259 pair with its ELCR, the 8254
 * PIT, the CMOS RTC, the I/O APIC at 0xFEC00000, PCI configuration space
 * with a host bridge, port B / reset control, the 8042 keyboard
 * controller with a PS/2 keyboard and mouse (vmm/vi8042.c), the ACPI
 * PM block, QEMU's fw_cfg, and one local APIC per vCPU at 0xFEE00000
 * (each vCPU reaches its own); and the delivery of their interrupts into
 * the guest (vmm/exit_irq.c).
 *
 * Locking: the vCPUs of a VM run on several host CPUs at once, so all of
 * the platform state (every device model here, every local APIC, interrupt
 * routing) is under the VM's one platform lock, p->lock, taken with
 * interrupts off by the port and MMIO handlers of platform.c, vm_irq_set,
 * the delivery path (exit_irq.c) and the vCPU's own APIC accesses
 * (exit_cpu.c: x2APIC MSRs, CR8, IA32_APIC_BASE). Lock order: a device
 * model's own lock (dev_uart.c) -> p->lock -> vm_sched.c's sleeper lock ->
 * the scheduler's run-queue locks (vcpu_kick is called with p->lock held,
 * so a SIPI and the vCPU parking itself cannot miss each other); a guest
 * reset takes vmctl's table lock under it (vmctl_request_reset), and
 * vmctl takes p->lock under the table lock only while starting a VM none
 * of whose vCPUs runs yet (vm_start_vcpus: BSP last). Never
 * held across a VM entry; nothing that waits for another CPU runs under
 * it. A vCPU's LAPIC timer state and its entry in cpu[] are used by that
 * vCPU only (its timer registers change under the lock like the rest). */
#ifndef VMM_PLATFORM_H
#define VMM_PLATFORM_H

#include <plinth/spinlock.h>
#include <plinth/vm.h>
#include "dev_misc.h"
#include "fw_cfg.h"
#include "vioapic.h"
#include "vlapic.h"
#include "vpci.h"
#include "vpic.h"
#include "vpit.h"
#include "vrtc.h"
#include "vi8042.h"

/* Where the ACPI PM block is (the FADT names it; vmm/vacpi.h layout). */
#define PLATFORM_PM_BASE   0x600
#define PLATFORM_SCI_IRQ   9
#define PLATFORM_IOAPIC_ID 0     /* I/O APIC IDs are a separate name space from
				    local APIC IDs on xAPIC systems; 0 as QEMU */
/* The RTC's time at VM start: 2026-01-01 00:00:00 UTC (fixed, so guests
 * see the same date in every run). */
#define PLATFORM_RTC_EPOCH 1767225600ll

/* What the delivery path keeps per vCPU (used by that vCPU only). */
struct vm_platform_cpu {
	bool window_requested;          /* interrupt-window exiting is on */
	uint64_t host_timer_deadline;   /* guest time the host LAPIC timer is armed for */
	uint64_t host_timer_irqs;       /* this_cpu()->timer_irqs when it was armed */
};

struct vm_platform {
	struct vm *vm;
	spinlock_t lock;                /* the platform lock (see above) */
	unsigned nr_cpus;               /* vCPUs: entries of lapic[] and cpu[] */
	struct vlapic *lapic;           /* lapic[i]: vCPU i's local APIC, APIC ID i */
	struct vm_platform_cpu *cpu;
	struct fw_cfg fw_cfg;
	struct vpic pic;
	struct vpit pit;
	struct vrtc rtc;
	struct vioapic ioapic;
	struct vpci pci;
	struct vmisc misc;
	struct vi8042 kbc;              /* the 8042 with keyboard and mouse */
	bool rtc_irq;                   /* IRQ 8 as last driven */
	unsigned kbc_irqs;              /* IRQ 1 / 12 (VI8042_IRQ*) as last driven */
	uint64_t kick;                  /* vCPUs (bit = id) to kick at unlock */
	uint32_t dropped_msgs;          /* I/O APIC messages with no taker (logged once) */
};

/* Take and release the platform lock; the release first kicks the vCPUs
 * whose interrupt state changed meanwhile (p->kick). */
uint64_t vm_platform_lock(struct vm_platform *p);
void vm_platform_unlock(struct vm_platform *p, uint64_t flags);
/* vCPU v's local APIC (v belongs to a VM with the platform). */
static inline struct vlapic *vcpu_vlapic(struct vcpu *v)
{
	return &v->vm->platform->lapic[v->id];
}
/* Something a device did may change what vCPU 0 (the 8259's and the
 * platform timers' vCPU) must look at before its next entry. */
static inline void vm_platform_changed(struct vm_platform *p)
{
	p->lapic[0].changed = true;
}

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
 * lower. Any CPU, not holding the platform lock (it takes it); a vCPU
 * whose controllers now present something is kicked. */
void vm_irq_set(struct vm *vm, unsigned gsi, bool level);
/* Run the platform's timers up to now (the PIT's IRQ 0, the RTC's IRQ 8)
 * and return the earliest guest time one of them will next raise its
 * line, 0 if none will. Called (platform lock held) before entries and
 * while a vCPU halts. */
uint64_t vm_platform_timers(struct vm_platform *p, uint64_t now);
/* Deliver an interrupt message from vCPU from's local APIC (its ICR) or,
 * with from < 0, from a device (platform lock held): the vCPUs it
 * changes are kicked at unlock. Returns the number of APICs that took it. */
int vm_platform_deliver(struct vm_platform *p, int from, const struct vlapic_ipi *ipi);
/* After an access to vCPU v's own APIC (lock held): queue kicks for the
 * vCPUs its IPIs reached. */
void vm_platform_collect_ipis(struct vm_platform *p, struct vlapic *l);
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
/* ---- vmm/vcpu.c ---- */
/* Run v's timers up to now and return the earliest deadline a halted v
 * waits for: its LAPIC timer, and for vCPU 0 the platform timers (0:
 * none). Platform lock held. */
uint64_t vcpu_halt_deadline(struct vcpu *v, uint64_t now);

#endif
