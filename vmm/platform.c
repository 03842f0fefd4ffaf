/* platform.c - the PC platform devices of a VM (see platform.h): the 8259
 * pair and ELCR and fw_cfg on the port table, the local APIC page as an
 * MMIO region (every access exits as a second-level fault and is emulated
 * through the instruction decoder, vmm/mmio.c). */
#include <plinth/log.h>
#include <plinth/mm.h>
#include <plinth/time.h>
#include <x86/lapic.h>
#include "platform.h"

/* ---- 8259 pair and ELCR ---- */

static bool pic_port(uint16_t port)
{
	return port == VPIC_MASTER_CMD || port == VPIC_MASTER_DATA || port == VPIC_SLAVE_CMD ||
	       port == VPIC_SLAVE_DATA || port == VPIC_ELCR_MASTER || port == VPIC_ELCR_SLAVE;
}

/* Wider accesses are split into bytes at successive ports, as the ISA bus
 * does; a byte beyond the PIC's ports reads as an empty bus. */
static int pic_in(struct vm *vm, void *dev, uint16_t port, unsigned size, uint32_t *val)
{
	struct vm_platform *p = dev;

	*val = 0;
	for (unsigned i = 0; i < size; i++) {
		uint8_t b = 0xFF;
		uint16_t at = (uint16_t)(port + i);
		if (pic_port(at) && vpic_port_read(&p->pic, at, &b))
			return -EINVAL;
		*val |= (uint32_t)b << (8 * i);
	}
	return 0;
}

static int pic_out(struct vm *vm, void *dev, uint16_t port, unsigned size, uint32_t val)
{
	struct vm_platform *p = dev;

	for (unsigned i = 0; i < size; i++) {
		uint16_t at = (uint16_t)(port + i);
		if (pic_port(at) && vpic_port_write(&p->pic, at, (uint8_t)(val >> (8 * i))))
			return -EINVAL;
	}
	return 0;
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

/* vlapic refuses 8-byte accesses, so the truncation of val loses nothing
 * it would use. */
static int lapic_write(struct vm *vm, void *dev, uint64_t offset, unsigned size, uint64_t val)
{
	struct vm_platform *p = dev;

	return vlapic_mmio_write(&p->lapic, (uint32_t)offset, size, (uint32_t)val, time_now_ns());
}

static const struct vm_mmio_ops lapic_mmio_ops = { .read = lapic_read, .write = lapic_write };

int vm_add_platform(struct vm *vm)
{
	struct vm_platform *p;
	int err;

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
	vm->platform = p;
	err = vm_add_io(vm, VPIC_MASTER_CMD, 2, pic_in, pic_out, p);
	if (!err)
		err = vm_add_io(vm, VPIC_SLAVE_CMD, 2, pic_in, pic_out, p);
	if (!err)
		err = vm_add_io(vm, VPIC_ELCR_MASTER, 2, pic_in, pic_out, p);
	if (!err)
		err = vm_add_io(vm, FW_CFG_PORT_SEL, 2, fw_cfg_in, fw_cfg_out, p);
	if (!err)
		err = vm_add_mmio(vm, VLAPIC_BASE_GPA, VLAPIC_PAGE_SIZE, &lapic_mmio_ops, p);
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
	/* The 8259 pair covers the 16 ISA lines; higher GSIs exist only on an
	 * IOAPIC (none in this slice). */
	if (gsi < 16)
		vpic_set_irq(&p->pic, gsi, level);
}
