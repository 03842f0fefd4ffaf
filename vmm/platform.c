/* platform.c - the PC platform devices of a VM (see platform.h): the port
 * devices on the VM's port table (8259 pair and ELCR, 8254, RTC, port B
 * with the 8042, PCI configuration and reset control, the ACPI PM
 * block, fw_cfg), the I/O APIC and local APIC pages as MMIO regions (every
 * access exits as a second-level fault and is emulated through the
 * instruction decoder, vmm/mmio.c), the timers of the PIT and the RTC, and
 * interrupt routing: device lines to the 8259 pair and the I/O APIC, I/O
 * APIC messages to the local APIC, and the local APIC's EOI of a
 * level-triggered vector back to the I/O APIC (Intel SDM vol. 3 §11.8.5).
 * Every handler here runs under the platform lock (platform.h). */
#include <plinth/log.h>
#include <plinth/mm.h>
#include <plinth/time.h>
#include <x86/lapic.h>
#include "platform.h"
#include "vacpi.h"
#include "vmctl_internal.h"

/* Split a port access wider than a byte into byte accesses at successive
 * ports, as the ISA bus does for 8-bit devices. */
typedef int (*byte_in_fn)(struct vm_platform *p, uint16_t port, uint8_t *val);
typedef int (*byte_out_fn)(struct vm_platform *p, uint16_t port, uint8_t val);

static int bytes_in(struct vm_platform *p, uint16_t port, unsigned size, uint32_t *val,
		    byte_in_fn fn)
{
	uint64_t flags = vm_platform_lock(p);
	int err = 0;

	*val = 0;
	for (unsigned i = 0; i < size && !err; i++) {
		uint8_t b = 0xFF;
		err = fn(p, (uint16_t)(port + i), &b);
		*val |= (uint32_t)b << (8 * i);
	}
	vm_platform_unlock(p, flags);
	return err;
}

static int bytes_out(struct vm_platform *p, uint16_t port, unsigned size, uint32_t val,
		     byte_out_fn fn)
{
	uint64_t flags = vm_platform_lock(p);
	int err = 0;

	for (unsigned i = 0; i < size && !err; i++)
		err = fn(p, (uint16_t)(port + i), (uint8_t)(val >> (8 * i)));
	vm_platform_unlock(p, flags);
	return err;
}

/* ---- the platform lock ---- */

uint64_t vm_platform_lock(struct vm_platform *p)
{
	return spin_lock_irqsave(&p->lock);
}

void vm_platform_unlock(struct vm_platform *p, uint64_t flags)
{
	struct vm *vm = p->vm;
	uint64_t kick = p->kick;

	/* Kicked under the lock: a vCPU parks itself (wait-for-SIPI) under
	 * it too, so a SIPI's wake-up cannot fall between its check and its
	 * parking (vmm/vcpu.c). */
	p->kick = 0;
	if (vm->state == VM_RUNNING)
		for (unsigned i = 0; kick && i < vm->nr_vcpus; i++)
			if (kick & BIT(i)) {
				kick &= ~BIT(i);
				vcpu_kick(vm->vcpus[i]);
			}
	spin_unlock_irqrestore(&p->lock, flags);
}

int vm_platform_deliver(struct vm_platform *p, int from, const struct vlapic_ipi *ipi)
{
	return vlapic_deliver(p->lapic, p->nr_cpus, from, ipi, &p->kick);
}

void vm_platform_collect_ipis(struct vm_platform *p, struct vlapic *l)
{
	p->kick |= vlapic_take_kick(l);
}

/* ---- 8259 pair and ELCR ---- */

static bool pic_port(uint16_t port)
{
	return port == VPIC_MASTER_CMD || port == VPIC_MASTER_DATA || port == VPIC_SLAVE_CMD ||
	       port == VPIC_SLAVE_DATA || port == VPIC_ELCR_MASTER || port == VPIC_ELCR_SLAVE;
}

static int pic_byte_in(struct vm_platform *p, uint16_t port, uint8_t *val)
{
	return pic_port(port) ? vpic_port_read(&p->pic, port, val) : 0;
}

static int pic_byte_out(struct vm_platform *p, uint16_t port, uint8_t val)
{
	return pic_port(port) ? vpic_port_write(&p->pic, port, val) : 0;
}

static int pic_in(struct vm *vm, void *dev, uint16_t port, unsigned size, uint32_t *val)
{
	return bytes_in(dev, port, size, val, pic_byte_in);
}

static int pic_out(struct vm *vm, void *dev, uint16_t port, unsigned size, uint32_t val)
{
	return bytes_out(dev, port, size, val, pic_byte_out);
}

/* ---- 8254 PIT (0x40-0x43) ---- */

static int pit_byte_in(struct vm_platform *p, uint16_t port, uint8_t *val)
{
	return vpit_port_read(&p->pit, port, time_now_ns(), val);
}

static int pit_byte_out(struct vm_platform *p, uint16_t port, uint8_t val)
{
	/* A new count moves IRQ 0's deadline: the delivery path must look. */
	vm_platform_changed(p);
	return vpit_port_write(&p->pit, port, val, time_now_ns());
}

static int pit_in(struct vm *vm, void *dev, uint16_t port, unsigned size, uint32_t *val)
{
	return bytes_in(dev, port, size, val, pit_byte_in);
}

static int pit_out(struct vm *vm, void *dev, uint16_t port, unsigned size, uint32_t val)
{
	return bytes_out(dev, port, size, val, pit_byte_out);
}

/* ---- 0x60-0x64: the 8042 (vmm/vi8042.c) around port B ---- */

static void irq_set_locked(struct vm_platform *p, unsigned gsi, bool level);

static void misc_action(struct vm_platform *p, enum misc_action a, const char *how)
{
	if (a == MISC_RESET)
		vmctl_request_reset(p->vm, how);
	else if (a == MISC_POWEROFF)
		vm_stop(p->vm, "powered off by the guest (%s)", how);
}

/* IRQ 1 and 12 follow the 8042's output buffer (vi8042.h). After a read
 * of the buffer a line that is still high carries the next queued byte:
 * it is lowered and raised again, the edge the 8259 and the I/O APIC
 * latch (ISA interrupts are edge-triggered, the MADT overrides none). */
static void kbc_update_irqs(struct vm_platform *p, bool data_read)
{
	static const struct { unsigned line, gsi; } irqs[] = {
		{ VI8042_IRQ1, 1 }, { VI8042_IRQ12, 12 },
	};
	unsigned now = vi8042_irq_lines(&p->kbc);

	for (unsigned i = 0; i < ARRAY_SIZE(irqs); i++) {
		bool was = p->kbc_irqs & irqs[i].line, is = now & irqs[i].line;

		if (data_read && was) {
			irq_set_locked(p, irqs[i].gsi, false);
			was = false;
		}
		if (was != is)
			irq_set_locked(p, irqs[i].gsi, is);
	}
	p->kbc_irqs = now;
}

static int kbc_byte_in(struct vm_platform *p, uint16_t port, uint8_t *val)
{
	uint64_t now = time_now_ns();

	if (port == MISC_PORT_B) {
		*val = vmisc_port_b_read(&p->misc, vpit_out(&p->pit, 2, now), now);
	} else if (port == VI8042_DATA || port == VI8042_STATUS) {
		*val = vi8042_read(&p->kbc, port);
		kbc_update_irqs(p, port == VI8042_DATA);
	} else {
		*val = 0xFF;
	}
	return 0;
}

static int kbc_byte_out(struct vm_platform *p, uint16_t port, uint8_t val)
{
	bool gate;

	if (port == MISC_PORT_B) {
		vmisc_port_b_write(&p->misc, val, &gate);
		vpit_set_gate(&p->pit, 2, gate, time_now_ns());
	} else if (port == VI8042_DATA || port == VI8042_STATUS) {
		bool reset = vi8042_write(&p->kbc, port, val);

		kbc_update_irqs(p, false);
		if (reset)
			misc_action(p, MISC_RESET, "8042 reset line");
	}
	return 0;
}

static int kbc_in(struct vm *vm, void *dev, uint16_t port, unsigned size, uint32_t *val)
{
	return bytes_in(dev, port, size, val, kbc_byte_in);
}

static int kbc_out(struct vm *vm, void *dev, uint16_t port, unsigned size, uint32_t val)
{
	return bytes_out(dev, port, size, val, kbc_byte_out);
}

/* ---- CMOS RTC (0x70-0x71) ---- */

/* IRQ 8 follows the RTC's IRQF. */
static void rtc_update_irq(struct vm_platform *p, bool level)
{
	if (level == p->rtc_irq)
		return;
	p->rtc_irq = level;
	irq_set_locked(p, 8, level);
}

static int rtc_byte_in(struct vm_platform *p, uint16_t port, uint8_t *val)
{
	uint64_t now = time_now_ns();
	int err = vrtc_port_read(&p->rtc, port, now, val);

	rtc_update_irq(p, p->rtc.irq_line);
	return err;
}

static int rtc_byte_out(struct vm_platform *p, uint16_t port, uint8_t val)
{
	uint64_t now = time_now_ns();
	int err = vrtc_port_write(&p->rtc, port, val, now);

	vm_platform_changed(p);   /* the RTC's deadline may have moved */
	rtc_update_irq(p, vrtc_tick(&p->rtc, now));
	return err;
}

static int rtc_in(struct vm *vm, void *dev, uint16_t port, unsigned size, uint32_t *val)
{
	return bytes_in(dev, port, size, val, rtc_byte_in);
}

static int rtc_out(struct vm *vm, void *dev, uint16_t port, unsigned size, uint32_t val)
{
	return bytes_out(dev, port, size, val, rtc_byte_out);
}

/* ---- PCI configuration (0xCF8-0xCFF) and reset control (0xCF9) ---- */

static int pci_in(struct vm *vm, void *dev, uint16_t port, unsigned size, uint32_t *val)
{
	struct vm_platform *p = dev;
	uint64_t flags = vm_platform_lock(p);
	int err = 0;

	if (port == MISC_RESET_CONTROL && size == 1)
		*val = vmisc_reset_control_read(&p->misc);
	else
		err = vpci_port_read(&p->pci, port, size, val);
	vm_platform_unlock(p, flags);
	return err;
}

static int pci_out(struct vm *vm, void *dev, uint16_t port, unsigned size, uint32_t val)
{
	struct vm_platform *p = dev;
	uint64_t flags = vm_platform_lock(p);
	int err = 0;

	if (port == MISC_RESET_CONTROL && size == 1)
		misc_action(p, vmisc_reset_control_write(&p->misc, (uint8_t)val), "port 0xCF9");
	else
		err = vpci_port_write(&p->pci, port, size, val);
	vm_platform_unlock(p, flags);
	return err;
}

/* ---- ACPI PM block ---- */

static int pm_in(struct vm *vm, void *dev, uint16_t port, unsigned size, uint32_t *val)
{
	struct vm_platform *p = dev;
	uint64_t flags = vm_platform_lock(p);
	int err = vmisc_pm_read(&p->misc, port, size, time_now_ns(), val);

	vm_platform_unlock(p, flags);
	return err;
}

static int pm_out(struct vm *vm, void *dev, uint16_t port, unsigned size, uint32_t val)
{
	struct vm_platform *p = dev;
	uint64_t flags = vm_platform_lock(p);
	enum misc_action a;
	int err = vmisc_pm_write(&p->misc, port, size, val, &a);

	misc_action(p, a, "ACPI S5");
	vm_platform_unlock(p, flags);
	return err;
}

/* ---- fw_cfg ---- */

static int fw_cfg_in(struct vm *vm, void *dev, uint16_t port, unsigned size, uint32_t *val)
{
	struct vm_platform *p = dev;
	uint64_t flags = vm_platform_lock(p);
	int err = fw_cfg_port_in(&p->fw_cfg, port, size, val);

	vm_platform_unlock(p, flags);
	return err;
}

static int fw_cfg_out(struct vm *vm, void *dev, uint16_t port, unsigned size, uint32_t val)
{
	struct vm_platform *p = dev;
	uint64_t flags = vm_platform_lock(p);
	int err = fw_cfg_port_out(&p->fw_cfg, port, size, val);

	vm_platform_unlock(p, flags);
	return err;
}

/* ---- local APIC page ---- */

/* The local APIC of the vCPU making the access: the one switched in on
 * this CPU (MMIO is emulated in its exit handler). NULL (logged) if that
 * is not a vCPU of this VM, a hypervisor bug. */
static struct vlapic *accessing_lapic(struct vm_platform *p)
{
	struct vcpu *v = vcpu_current();

	if (!v || v->vm != p->vm || v->id >= p->nr_cpus) {
		pr_err("vm %s: local APIC access from outside its vCPUs", p->vm->name);
		return NULL;
	}
	return &p->lapic[v->id];
}

static int lapic_read(struct vm *vm, void *dev, uint64_t offset, unsigned size, uint64_t *val)
{
	struct vm_platform *p = dev;
	struct vlapic *l = accessing_lapic(p);
	uint64_t flags;
	uint32_t v = 0;
	int err;

	if (!l)
		return -EINVAL;
	flags = vm_platform_lock(p);
	err = vlapic_mmio_read(l, (uint32_t)offset, size, time_now_ns(), &v);
	vm_platform_unlock(p, flags);
	*val = v;
	return err;
}

/* The vector an EOI now ends: the highest in-service one (§11.8.5), or -1. */
static int lapic_isr_top(const struct vlapic *l)
{
	for (int i = 7; i >= 0; i--)
		if (l->isr[i])
			return i * 32 + 31 - __builtin_clz(l->isr[i]);
	return -1;
}

/* vlapic refuses 8-byte accesses, so the truncation of val loses nothing
 * it would use. An EOI of a level-triggered vector (its TMR bit set) is
 * broadcast to the I/O APIC (SDM vol. 3 §11.8.5), which re-arms the pin. */
static int lapic_write(struct vm *vm, void *dev, uint64_t offset, unsigned size, uint64_t val)
{
	struct vm_platform *p = dev;
	struct vlapic *l = accessing_lapic(p);
	uint64_t flags;
	bool level;
	int vector, err;

	if (!l)
		return -EINVAL;
	flags = vm_platform_lock(p);
	vector = offset == APIC_EOI ? lapic_isr_top(l) : -1;
	level = vector >= 0 && (l->tmr[vector / 32] & BIT(vector % 32));
	err = vlapic_mmio_write(l, (uint32_t)offset, size, (uint32_t)val, time_now_ns());
	if (!err && level)
		vioapic_eoi(&p->ioapic, (uint8_t)vector);
	/* An ICR write reached other vCPUs: they are kicked at unlock. */
	vm_platform_collect_ipis(p, l);
	vm_platform_unlock(p, flags);
	return err;
}

static const struct vm_mmio_ops lapic_mmio_ops = { .read = lapic_read, .write = lapic_write };

/* ---- I/O APIC page ---- */

static int ioapic_read(struct vm *vm, void *dev, uint64_t offset, unsigned size, uint64_t *val)
{
	struct vm_platform *p = dev;
	uint64_t flags = vm_platform_lock(p);
	uint32_t v = 0;
	int err = vioapic_mmio_read(&p->ioapic, (uint32_t)offset, size, &v);

	vm_platform_unlock(p, flags);
	*val = v;
	return err;
}

static int ioapic_write(struct vm *vm, void *dev, uint64_t offset, unsigned size, uint64_t val)
{
	struct vm_platform *p = dev;
	uint64_t flags = vm_platform_lock(p);
	int err = vioapic_mmio_write(&p->ioapic, (uint32_t)offset, size, (uint32_t)val);

	vm_platform_unlock(p, flags);
	return err;
}

static const struct vm_mmio_ops ioapic_mmio_ops = { .read = ioapic_read, .write = ioapic_write };

/* An I/O APIC message (SDM vol. 3 §11.6.2 destinations, I/O APIC
 * redirection entries): fixed, lowest-priority, NMI and INIT messages go
 * to the local APICs their destination selects. SMI and ExtINT (the 8259
 * through a pin, which plinth wires to LINT0 of vCPU 0 instead) have no
 * taker (counted, logged once). Platform lock held (the I/O APIC calls
 * this from vioapic_set_irq and its register writes). */
static void ioapic_deliver(void *ctx, const struct vioapic_msg *m)
{
	struct vm_platform *p = ctx;
	const struct vlapic_ipi ipi = {
		.vector = m->vector, .mode = m->delivery_mode, .shorthand = IPI_DEST_FIELD,
		.logical = m->dest_logical, .assert = true, .level_trigger = m->level,
		.dest = m->dest,
	};

	if (m->delivery_mode == IPI_FIXED || m->delivery_mode == IPI_LOWEST ||
	    m->delivery_mode == IPI_NMI || m->delivery_mode == IPI_INIT) {
		vm_platform_deliver(p, -1, &ipi);
		return;
	}
	if (!p->dropped_msgs++)
		pr_warn("vm %s: I/O APIC message with delivery mode %u (vector 0x%x) dropped: "
			"SMI and ExtINT messages are not emulated", p->vm->name,
			m->delivery_mode, m->vector);
}

/* ---- timers ---- */

uint64_t vm_platform_timers(struct vm_platform *p, uint64_t now)
{
	uint64_t pit, rtc;

	/* IRQ 0 is an edge: one pulse for any number of missed periods. */
	if (vpit_irq0_due(&p->pit, now)) {
		irq_set_locked(p, 0, true);
		irq_set_locked(p, 0, false);
	}
	rtc_update_irq(p, vrtc_tick(&p->rtc, now));
	pit = vpit_irq0_deadline(&p->pit);
	rtc = vrtc_deadline(&p->rtc);
	if (!pit || (rtc && rtc < pit))
		return rtc;
	return pit;
}

/* ---- the platform ---- */

struct port_dev {
	uint16_t base, count;
	int (*in)(struct vm *, void *, uint16_t, unsigned, uint32_t *);
	int (*out)(struct vm *, void *, uint16_t, unsigned, uint32_t);
};

static const struct port_dev port_devs[] = {
	{ VPIC_MASTER_CMD, 2, pic_in, pic_out },
	{ VPIC_SLAVE_CMD, 2, pic_in, pic_out },
	{ VPIC_ELCR_MASTER, 2, pic_in, pic_out },
	{ VPIT_PORT_BASE, 4, pit_in, pit_out },
	{ VI8042_DATA, 5, kbc_in, kbc_out },           /* 0x60-0x64 */
	{ VRTC_PORT_INDEX, 2, rtc_in, rtc_out },
	{ VPCI_PORT_ADDRESS, 8, pci_in, pci_out },      /* 0xCF8-0xCFF, with 0xCF9 */
	{ PLATFORM_PM_BASE, VACPI_PM_LEN, pm_in, pm_out },
	{ FW_CFG_PORT_SEL, 2, fw_cfg_in, fw_cfg_out },
};

/* The VM's ACPI tables (vmm/vacpi.h: the MADT with one local APIC per
 * vCPU, the FADT with the PM block) at VACPI_BASE_GPA, where a guest's
 * RSDP search finds them (ACPI 6.5 §5.2.5.1), for every kind of guest:
 * that area is in the legacy hole the loaders keep free (a flat image
 * placed over it overwrites them, as it would a BIOS's). Skipped when
 * the RAM does not reach it. 0 or an error (logged). */
static int write_acpi_tables(struct vm *vm, unsigned nr_cpus)
{
	const struct vacpi_config c = {
		.nr_cpus = nr_cpus, .lapic_addr = (uint32_t)VLAPIC_BASE_GPA,
		.ioapic_addr = (uint32_t)VIOAPIC_BASE_GPA, .ioapic_id = PLATFORM_IOAPIC_ID,
		.pm_base = PLATFORM_PM_BASE, .sci_irq = PLATFORM_SCI_IRQ,
	};
	uint8_t *buf;
	int n;

	if (vm_ram_size(vm) < VACPI_BASE_GPA + VACPI_MAX_SIZE ||
	    !vm_find_region(vm, VACPI_BASE_GPA))
		return 0;
	buf = kmalloc(VACPI_MAX_SIZE);
	if (!buf)
		return -ENOMEM;
	n = vacpi_build(buf, VACPI_MAX_SIZE, VACPI_BASE_GPA, &c);
	if (n > 0)
		n = vm_write_guest(vm, VACPI_BASE_GPA, buf, (uint64_t)n);
	kfree(buf);
	if (n < 0)
		pr_err("vm %s: cannot write the ACPI tables (error %d)", vm->name, n);
	return n < 0 ? n : 0;
}

int vm_add_platform(struct vm *vm)
{
	struct vm_platform *p;
	uint64_t now = time_now_ns();
	int err = 0;

	if (vm->platform) {
		pr_err("vm %s: already has the platform devices", vm->name);
		return -EEXIST;
	}
	p = kzalloc(sizeof(*p));
	if (!p) {
		pr_err("vm %s: out of memory for the platform devices", vm->name);
		return -ENOMEM;
	}
	p->vm = vm;
	p->lock = (spinlock_t)SPINLOCK_INIT;
	p->nr_cpus = vm_vcpus_wanted(vm);
	p->lapic = kzalloc(p->nr_cpus * sizeof(*p->lapic));
	p->cpu = kzalloc(p->nr_cpus * sizeof(*p->cpu));
	if (!p->lapic || !p->cpu) {
		pr_err("vm %s: out of memory for %u local APICs", vm->name, p->nr_cpus);
		kfree(p->lapic);
		kfree(p->cpu);
		kfree(p);
		return -ENOMEM;
	}
	/* APIC ID = vCPU number; vCPU 0 is the BSP (the MADT says the same,
	 * vmm/vacpi.c; fw_cfg key 0x05 the count). */
	for (unsigned i = 0; i < p->nr_cpus; i++) {
		vlapic_init(&p->lapic[i], (uint8_t)i, i == 0);
		vlapic_set_peers(&p->lapic[i], p->lapic, p->nr_cpus, i);
		/* After reset only the BSP runs; APs wait for a start-up
		 * IPI (SDM vol. 3 §10.4.2). */
		p->lapic[i].wait_sipi = i != 0;
	}
	fw_cfg_init(&p->fw_cfg, vm_ram_size(vm), (uint16_t)p->nr_cpus);
	vpic_init(&p->pic);
	vpit_init(&p->pit);
	vrtc_init(&p->rtc, PLATFORM_RTC_EPOCH, now);
	vioapic_init(&p->ioapic, PLATFORM_IOAPIC_ID, ioapic_deliver, p);
	vpci_init(&p->pci);
	vmisc_init(&p->misc, PLATFORM_PM_BASE, now);
	vi8042_init(&p->kbc);
	vm->platform = p;
	for (unsigned i = 0; i < ARRAY_SIZE(port_devs) && !err; i++)
		err = vm_add_io(vm, port_devs[i].base, port_devs[i].count, port_devs[i].in,
				port_devs[i].out, p);
	if (!err)
		err = vm_add_mmio(vm, VLAPIC_BASE_GPA, VLAPIC_PAGE_SIZE, &lapic_mmio_ops, p);
	if (!err)
		err = vm_add_mmio(vm, VIOAPIC_BASE_GPA, VIOAPIC_SIZE, &ioapic_mmio_ops, p);
	if (!err)
		err = write_acpi_tables(vm, p->nr_cpus);
	if (err)
		pr_err("vm %s: cannot add the platform devices (error %d)", vm->name, err);
	return err;
}

void vm_platform_destroy(struct vm *vm)
{
	struct vm_platform *p = vm->platform;

	/* The host timer armed for this guest's timer has nothing to do now. */
	if (p) {
		bool armed = false;
		for (unsigned i = 0; i < p->nr_cpus; i++)
			armed |= p->cpu[i].host_timer_deadline != 0;
		if (armed)
			lapic_timer_oneshot(0);
		kfree(p->lapic);
		kfree(p->cpu);
	}
	kfree(p);
	vm->platform = NULL;
}

/* vm_irq_set with the platform lock held. */
static void irq_set_locked(struct vm_platform *p, unsigned gsi, bool level)
{
	uint8_t vector;

	if (gsi < 16)
		vpic_set_irq(&p->pic, gsi, level);
	/* The MADT's only ISA override: IRQ 0 is wired to pin 2 (vacpi.c);
	 * the I/O APIC's messages kick their targets (ioapic_deliver). */
	vioapic_set_irq(&p->ioapic, gsi == 0 ? 2 : gsi, level);
	/* The 8259 reaches vCPU 0 only (ExtINT through its LINT0, the
	 * virtual wire): it looks again (exit_irq.c's fast path) and wakes
	 * if halted. */
	if (gsi < 16) {
		vm_platform_changed(p);
		if (level && vlapic_accepts_pic(&p->lapic[0]) && vpic_pending(&p->pic, &vector))
			p->kick |= BIT(0);
	}
}

void vm_irq_set(struct vm *vm, unsigned gsi, bool level)
{
	struct vm_platform *p = vm->platform;
	uint64_t flags;

	if (!p)
		return;
	flags = vm_platform_lock(p);
	irq_set_locked(p, gsi, level);
	vm_platform_unlock(p, flags);
}
