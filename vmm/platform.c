/* platform.c - the PC platform devices of a VM (see platform.h): the port
 * devices on the VM's port table (8259 pair and ELCR, 8254, RTC, port B
 * with the absent 8042, PCI configuration and reset control, the ACPI PM
 * block, fw_cfg), the I/O APIC and local APIC pages as MMIO regions (every
 * access exits as a second-level fault and is emulated through the
 * instruction decoder, vmm/mmio.c), the timers of the PIT and the RTC, and
 * interrupt routing: device lines to the 8259 pair and the I/O APIC, I/O
 * APIC messages to the local APIC, and the local APIC's EOI of a
 * level-triggered vector back to the I/O APIC (Intel SDM vol. 3 §11.8.5). */
#include <plinth/log.h>
#include <plinth/mm.h>
#include <plinth/time.h>
#include <x86/lapic.h>
#include "platform.h"
#include "vacpi.h"

/* Split a port access wider than a byte into byte accesses at successive
 * ports, as the ISA bus does for 8-bit devices. */
typedef int (*byte_in_fn)(struct vm_platform *p, uint16_t port, uint8_t *val);
typedef int (*byte_out_fn)(struct vm_platform *p, uint16_t port, uint8_t val);

static int bytes_in(struct vm_platform *p, uint16_t port, unsigned size, uint32_t *val,
		    byte_in_fn fn)
{
	*val = 0;
	for (unsigned i = 0; i < size; i++) {
		uint8_t b = 0xFF;
		int err = fn(p, (uint16_t)(port + i), &b);
		if (err)
			return err;
		*val |= (uint32_t)b << (8 * i);
	}
	return 0;
}

static int bytes_out(struct vm_platform *p, uint16_t port, unsigned size, uint32_t val,
		     byte_out_fn fn)
{
	for (unsigned i = 0; i < size; i++) {
		int err = fn(p, (uint16_t)(port + i), (uint8_t)(val >> (8 * i)));
		if (err)
			return err;
	}
	return 0;
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
	p->lapic.changed = true;
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

/* ---- 0x60-0x64: the absent 8042 around port B ---- */

static void misc_action(struct vm_platform *p, enum misc_action a, const char *how)
{
	if (a == MISC_RESET)
		vm_stop(p->vm, "reset requested by the guest (%s); VM reset is not implemented, "
			"the VM stops", how);
	else if (a == MISC_POWEROFF)
		vm_stop(p->vm, "powered off by the guest (%s)", how);
}

static int kbc_byte_in(struct vm_platform *p, uint16_t port, uint8_t *val)
{
	uint64_t now = time_now_ns();

	if (port == MISC_PORT_B)
		*val = vmisc_port_b_read(&p->misc, vpit_out(&p->pit, 2, now), now);
	else if (port == MISC_KBC_DATA || port == MISC_KBC_STATUS)
		*val = vmisc_kbc_read(&p->misc, port);
	else
		*val = 0xFF;
	return 0;
}

static int kbc_byte_out(struct vm_platform *p, uint16_t port, uint8_t val)
{
	bool gate;

	if (port == MISC_PORT_B) {
		vmisc_port_b_write(&p->misc, val, &gate);
		vpit_set_gate(&p->pit, 2, gate, time_now_ns());
	} else if (port == MISC_KBC_DATA || port == MISC_KBC_STATUS) {
		misc_action(p, vmisc_kbc_write(&p->misc, port, val), "8042 reset line");
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
	vm_irq_set(p->vm, 8, level);
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

	p->lapic.changed = true;   /* the RTC's deadline may have moved */
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

	if (port == MISC_RESET_CONTROL && size == 1) {
		*val = vmisc_reset_control_read(&p->misc);
		return 0;
	}
	return vpci_port_read(&p->pci, port, size, val);
}

static int pci_out(struct vm *vm, void *dev, uint16_t port, unsigned size, uint32_t val)
{
	struct vm_platform *p = dev;

	if (port == MISC_RESET_CONTROL && size == 1) {
		misc_action(p, vmisc_reset_control_write(&p->misc, (uint8_t)val), "port 0xCF9");
		return 0;
	}
	return vpci_port_write(&p->pci, port, size, val);
}

/* ---- ACPI PM block ---- */

static int pm_in(struct vm *vm, void *dev, uint16_t port, unsigned size, uint32_t *val)
{
	struct vm_platform *p = dev;

	return vmisc_pm_read(&p->misc, port, size, time_now_ns(), val);
}

static int pm_out(struct vm *vm, void *dev, uint16_t port, unsigned size, uint32_t val)
{
	struct vm_platform *p = dev;
	enum misc_action a;
	int err = vmisc_pm_write(&p->misc, port, size, val, &a);

	misc_action(p, a, "ACPI S5");
	return err;
}

/* ---- fw_cfg ---- */

static int fw_cfg_in(struct vm *vm, void *dev, uint16_t port, unsigned size, uint32_t *val)
{
	return fw_cfg_port_in(&((struct vm_platform *)dev)->fw_cfg, port, size, val);
}

static int fw_cfg_out(struct vm *vm, void *dev, uint16_t port, unsigned size, uint32_t val)
{
	return fw_cfg_port_out(&((struct vm_platform *)dev)->fw_cfg, port, size, val);
}

/* ---- local APIC page ---- */

static int lapic_read(struct vm *vm, void *dev, uint64_t offset, unsigned size, uint64_t *val)
{
	struct vm_platform *p = dev;
	uint32_t v;
	int err = vlapic_mmio_read(&p->lapic, (uint32_t)offset, size, time_now_ns(), &v);

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
	int vector = offset == APIC_EOI ? lapic_isr_top(&p->lapic) : -1;
	bool level = vector >= 0 && (p->lapic.tmr[vector / 32] & BIT(vector % 32));
	int err = vlapic_mmio_write(&p->lapic, (uint32_t)offset, size, (uint32_t)val,
				    time_now_ns());

	if (!err && level)
		vioapic_eoi(&p->ioapic, (uint8_t)vector);
	return err;
}

static const struct vm_mmio_ops lapic_mmio_ops = { .read = lapic_read, .write = lapic_write };

/* ---- I/O APIC page ---- */

static int ioapic_read(struct vm *vm, void *dev, uint64_t offset, unsigned size, uint64_t *val)
{
	struct vm_platform *p = dev;
	uint32_t v;
	int err = vioapic_mmio_read(&p->ioapic, (uint32_t)offset, size, &v);

	*val = v;
	return err;
}

static int ioapic_write(struct vm *vm, void *dev, uint64_t offset, unsigned size, uint64_t val)
{
	struct vm_platform *p = dev;

	return vioapic_mmio_write(&p->ioapic, (uint32_t)offset, size, (uint32_t)val);
}

static const struct vm_mmio_ops ioapic_mmio_ops = { .read = ioapic_read, .write = ioapic_write };

/* Does an interrupt message for dest reach the local APIC l? Physical
 * mode: its APIC ID or the broadcast 0xFF; logical mode: flat model (DFR
 * 0xF...) a bit of its LDR in dest, cluster model the cluster and a bit
 * (SDM vol. 3 §11.6.2). */
static bool lapic_matches(const struct vlapic *l, bool logical, uint8_t dest)
{
	uint8_t ldr = (uint8_t)(l->ldr >> 24);

	if (!logical)
		return dest == l->id || dest == 0xFF;
	if ((l->dfr >> 28) == 0xF)
		return ldr & dest;
	return (ldr >> 4) == (dest >> 4) && (ldr & dest & 0xF);
}

/* An I/O APIC message: fixed and lowest-priority messages go to the one
 * vCPU's local APIC; the other delivery modes have no taker in a 1-vCPU
 * VM without NMI injection yet (counted, logged once). */
static void ioapic_deliver(void *ctx, const struct vioapic_msg *m)
{
	struct vm_platform *p = ctx;

	if (m->delivery_mode <= 1) {
		if (lapic_matches(&p->lapic, m->dest_logical, m->dest))
			vlapic_set_irq(&p->lapic, m->vector, m->level);
		return;
	}
	if (!p->dropped_msgs++)
		pr_warn("vm %s: I/O APIC message with delivery mode %u (vector 0x%x) dropped: "
			"only fixed and lowest-priority delivery are emulated", p->vm->name,
			m->delivery_mode, m->vector);
}

/* ---- timers ---- */

uint64_t vm_platform_timers(struct vm_platform *p, uint64_t now)
{
	uint64_t pit, rtc;

	/* IRQ 0 is an edge: one pulse for any number of missed periods. */
	if (vpit_irq0_due(&p->pit, now)) {
		vm_irq_set(p->vm, 0, true);
		vm_irq_set(p->vm, 0, false);
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
	{ MISC_KBC_DATA, 5, kbc_in, kbc_out },          /* 0x60-0x64 */
	{ VRTC_PORT_INDEX, 2, rtc_in, rtc_out },
	{ VPCI_PORT_ADDRESS, 8, pci_in, pci_out },      /* 0xCF8-0xCFF, with 0xCF9 */
	{ PLATFORM_PM_BASE, VACPI_PM_LEN, pm_in, pm_out },
	{ FW_CFG_PORT_SEL, 2, fw_cfg_in, fw_cfg_out },
};

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
	fw_cfg_init(&p->fw_cfg, vm_ram_size(vm), 1);
	vpic_init(&p->pic);
	vlapic_init(&p->lapic, 0, true);
	vpit_init(&p->pit);
	vrtc_init(&p->rtc, PLATFORM_RTC_EPOCH, now);
	vioapic_init(&p->ioapic, PLATFORM_IOAPIC_ID, ioapic_deliver, p);
	vpci_init(&p->pci);
	vmisc_init(&p->misc, PLATFORM_PM_BASE, now);
	vm->platform = p;
	for (unsigned i = 0; i < ARRAY_SIZE(port_devs) && !err; i++)
		err = vm_add_io(vm, port_devs[i].base, port_devs[i].count, port_devs[i].in,
				port_devs[i].out, p);
	if (!err)
		err = vm_add_mmio(vm, VLAPIC_BASE_GPA, VLAPIC_PAGE_SIZE, &lapic_mmio_ops, p);
	if (!err)
		err = vm_add_mmio(vm, VIOAPIC_BASE_GPA, VIOAPIC_SIZE, &ioapic_mmio_ops, p);
	if (err)
		pr_err("vm %s: cannot add the platform devices (error %d)", vm->name, err);
	return err;
}

void vm_platform_destroy(struct vm *vm)
{
	struct vm_platform *p = vm->platform;

	/* The host timer armed for this guest's timer has nothing to do now. */
	if (p && p->host_timer_deadline)
		lapic_timer_oneshot(0);
	kfree(p);
	vm->platform = NULL;
}

void vm_irq_set(struct vm *vm, unsigned gsi, bool level)
{
	struct vm_platform *p = vm->platform;

	if (!p)
		return;
	if (gsi < 16)
		vpic_set_irq(&p->pic, gsi, level);
	/* The MADT's only ISA override: IRQ 0 is wired to pin 2 (vacpi.c). */
	vioapic_set_irq(&p->ioapic, gsi == 0 ? 2 : gsi, level);
	/* The delivery path must look again (exit_irq.c's fast path), and a
	 * halted vCPU wake up for it. */
	p->lapic.changed = true;
	if (level && vm->vcpu && vm->state == VM_RUNNING)
		vcpu_kick(vm->vcpu);
}
