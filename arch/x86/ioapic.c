/* ioapic.c - the I/O APICs (82093AA datasheet) and the legacy 8259 pair.
 *
 * The 8259s are remapped off the exception vectors and masked for good:
 * device interrupts reach the CPUs only through the I/O APICs, whose pins
 * are all masked at boot and opened one at a time by irq_route_isa() /
 * ioapic_route_gsi(). Where the I/O APICs are comes from the MADT (ACPI 6.5
 * §5.2.12.3); without ACPI the conventional one at 0xFEC00000 is used if it
 * answers. */
#include <plinth/acpi.h>
#include <plinth/log.h>
#include <plinth/mm.h>
#include <plinth/spinlock.h>
#include <x86/apic_encode.h>
#include <x86/arch.h>
#include <x86/cpu.h>
#include <x86/ioapic.h>
#include <x86/irq.h>
#include <x86/lapic.h>

/* Indirect register access (82093AA §3.1): select with IOREGSEL, then read
 * or write 32 bits through IOWIN. */
#define IOAPIC_IOREGSEL      0x00
#define IOAPIC_IOWIN         0x10
#define IOAPIC_MMIO_SIZE     0x20
#define IOAPIC_REG_ID        0x00
#define IOAPIC_REG_VERSION   0x01
#define IOAPIC_REG_RTE_LOW(n)  (0x10u + 2u * (n))   /* §3.2.4: two registers per pin */
#define IOAPIC_REG_RTE_HIGH(n) (0x11u + 2u * (n))
#define IOAPIC_DEFAULT_BASE  0xFEC00000u

/* The 8259A pair (8259A datasheet; PC/AT wiring: slave on master IR2). */
#define PIC_MASTER_CMD       0x20
#define PIC_MASTER_DATA      0x21
#define PIC_SLAVE_CMD        0xA0
#define PIC_SLAVE_DATA       0xA1
#define PIC_ICW1_INIT_ICW4   0x11   /* ICW1: edge, cascade, ICW4 follows */
#define PIC_ICW4_8086        0x01
#define PIC_MASTER_VECTOR    0x20
#define PIC_SLAVE_VECTOR     0x28

struct ioapic {
	volatile uint32_t *regs;
	paddr_t phys;
	uint32_t id;            /* MADT I/O APIC ID */
	uint32_t gsi_base;      /* first GSI of pin 0 */
	unsigned entries;       /* redirection entries (pins) */
	unsigned version;
	spinlock_t lock;        /* IOREGSEL/IOWIN pairs must not interleave */
};

static struct ioapic ioapics[ACPI_MAX_IOAPICS];
static unsigned nr_ioapics;
/* The handler each ISA-routed vector calls, and the vector of each ISA IRQ. */
static void (*isa_handler_of_vector[256])(void);
static uint8_t isa_vector_of_irq[ISA_IRQ_COUNT];

static uint32_t ioapic_read(struct ioapic *io, unsigned reg)
{
	io->regs[IOAPIC_IOREGSEL / 4] = reg;
	return io->regs[IOAPIC_IOWIN / 4];
}

static void ioapic_write(struct ioapic *io, unsigned reg, uint32_t v)
{
	io->regs[IOAPIC_IOREGSEL / 4] = reg;
	io->regs[IOAPIC_IOWIN / 4] = v;
}

/* Write one redirection entry. The low half (with the mask bit) goes first
 * as "masked", then the high half, then the final low half: the pin is
 * never live with a half-written entry. Caller holds io->lock. */
static void ioapic_write_rte(struct ioapic *io, unsigned pin, uint64_t rte)
{
	ioapic_write(io, IOAPIC_REG_RTE_LOW(pin), (uint32_t)rte | (uint32_t)IOAPIC_RTE_MASKED);
	ioapic_write(io, IOAPIC_REG_RTE_HIGH(pin), (uint32_t)(rte >> 32));
	ioapic_write(io, IOAPIC_REG_RTE_LOW(pin), (uint32_t)rte);
}

/* Remap the 8259s to vectors 0x20-0x2F (so a stray or spurious IRQ 7/15
 * cannot look like an exception) and mask every input (8259A datasheet:
 * ICW1-ICW4, then OCW1). */
static void pic_remap_and_mask(void)
{
	outb(PIC_MASTER_CMD, PIC_ICW1_INIT_ICW4);
	io_delay();
	outb(PIC_SLAVE_CMD, PIC_ICW1_INIT_ICW4);
	io_delay();
	outb(PIC_MASTER_DATA, PIC_MASTER_VECTOR);    /* ICW2: vector base */
	io_delay();
	outb(PIC_SLAVE_DATA, PIC_SLAVE_VECTOR);
	io_delay();
	outb(PIC_MASTER_DATA, 1u << 2);              /* ICW3: slave on IR2 */
	io_delay();
	outb(PIC_SLAVE_DATA, 2);                     /* ICW3: slave ID 2 */
	io_delay();
	outb(PIC_MASTER_DATA, PIC_ICW4_8086);
	io_delay();
	outb(PIC_SLAVE_DATA, PIC_ICW4_8086);
	io_delay();
	outb(PIC_MASTER_DATA, 0xFF);                 /* OCW1: mask all */
	outb(PIC_SLAVE_DATA, 0xFF);
}

/* Map and check the I/O APIC at 'phys', mask all its pins and add it.
 * Returns 0, or -ENODEV when nothing plausible answers (logged when
 * 'report' is set) / -ENOSPC. */
static int ioapic_add(uint32_t id, paddr_t phys, uint32_t gsi_base, bool report)
{
	if (nr_ioapics >= ACPI_MAX_IOAPICS)
		return -ENOSPC;
	struct ioapic *io = &ioapics[nr_ioapics];
	io->regs = ioremap(phys, IOAPIC_MMIO_SIZE);
	if (!io->regs) {
		pr_warn("ioapic: cannot map the I/O APIC at 0x%llx", (unsigned long long)phys);
		return -ENODEV;
	}
	io->phys = phys;
	io->id = id;
	io->gsi_base = gsi_base;
	io->lock = (spinlock_t)SPINLOCK_INIT;

	uint32_t ver = ioapic_read(io, IOAPIC_REG_VERSION);
	if (ioapic_version_decode(ver, &io->version, &io->entries)) {
		if (report)
			pr_warn("ioapic: I/O APIC %u at 0x%llx does not answer (version register "
				"0x%x); ignored", id, (unsigned long long)phys, ver);
		return -ENODEV;
	}
	if (io->entries > UINT32_MAX - gsi_base) {
		pr_warn("ioapic: I/O APIC %u: GSI base %u + %u pins overflows; ignored", id,
			gsi_base, io->entries);
		return -ENODEV;
	}
	for (unsigned i = 0; i < nr_ioapics; i++) {
		struct ioapic *o = &ioapics[i];
		if (gsi_base < o->gsi_base + o->entries && o->gsi_base < gsi_base + io->entries) {
			pr_warn("ioapic: I/O APIC %u (GSIs %u-%u) overlaps I/O APIC %u (GSIs %u-%u); "
				"ignored", id, gsi_base, gsi_base + io->entries - 1, o->id,
				o->gsi_base, o->gsi_base + o->entries - 1);
			return -ENODEV;
		}
	}

	/* Every pin masked until a driver routes it (§3.2.4, bit 16). */
	for (unsigned pin = 0; pin < io->entries; pin++)
		ioapic_write_rte(io, pin, IOAPIC_RTE_MASKED);
	nr_ioapics++;
	pr_info("ioapic: I/O APIC %u at 0x%llx, version 0x%x, GSIs %u-%u", id,
		(unsigned long long)phys, io->version, gsi_base, gsi_base + io->entries - 1);
	return 0;
}

void ioapic_init(void)
{
	pic_remap_and_mask();

	for (unsigned i = 0; i < acpi.ioapic_count && i < ACPI_MAX_IOAPICS; i++)
		(void)ioapic_add(acpi.ioapics[i].id, acpi.ioapics[i].address,
				 acpi.ioapics[i].gsi_base, true);

	if (acpi.ioapic_count == 0) {
		/* No MADT: the PC convention is one I/O APIC at 0xFEC00000 serving
		 * GSIs from 0, identity-mapped to the ISA IRQs. */
		if (ioapic_add(0, IOAPIC_DEFAULT_BASE, 0, false) == 0)
			pr_warn("ioapic: no I/O APIC in the ACPI tables; using the one answering at "
				"0x%x", IOAPIC_DEFAULT_BASE);
	}
	if (nr_ioapics == 0)
		pr_err("ioapic: no usable I/O APIC; device interrupts cannot be delivered "
		       "(the 8259s stay masked)");
}

unsigned ioapic_count(void)
{
	return nr_ioapics;
}

/* The I/O APIC and pin carrying 'gsi', or NULL. */
static struct ioapic *ioapic_for_gsi(uint32_t gsi, unsigned *pin)
{
	for (unsigned i = 0; i < nr_ioapics; i++) {
		struct ioapic *io = &ioapics[i];
		if (gsi >= io->gsi_base && gsi - io->gsi_base < io->entries) {
			*pin = gsi - io->gsi_base;
			return io;
		}
	}
	return NULL;
}

int ioapic_route_gsi(uint32_t gsi, uint8_t vector, bool active_low, bool level,
		     uint32_t dest_apic_id)
{
	unsigned pin;
	struct ioapic *io = ioapic_for_gsi(gsi, &pin);
	if (!io) {
		pr_err("ioapic: no I/O APIC serves GSI %u", gsi);
		return -ENODEV;
	}
	uint64_t rte;
	int err = ioapic_rte_encode(vector, dest_apic_id, active_low, level, false, &rte);
	if (err)
		return err;
	uint64_t flags = spin_lock_irqsave(&io->lock);
	ioapic_write_rte(io, pin, rte);
	spin_unlock_irqrestore(&io->lock, flags);
	return 0;
}

int ioapic_mask_gsi(uint32_t gsi, bool masked)
{
	unsigned pin;
	struct ioapic *io = ioapic_for_gsi(gsi, &pin);
	if (!io)
		return -ENODEV;
	uint64_t flags = spin_lock_irqsave(&io->lock);
	uint32_t low = ioapic_read(io, IOAPIC_REG_RTE_LOW(pin));
	if (masked)
		low |= (uint32_t)IOAPIC_RTE_MASKED;
	else
		low &= ~(uint32_t)IOAPIC_RTE_MASKED;
	ioapic_write(io, IOAPIC_REG_RTE_LOW(pin), low);
	spin_unlock_irqrestore(&io->lock, flags);
	return 0;
}

/* The vector handler of every ISA-routed vector: calls the void(void)
 * handler irq_route_isa() registered (the dispatcher sends the EOI). */
static void isa_irq_dispatch(struct irq_frame *frame)
{
	void (*handler)(void) = READ_ONCE(isa_handler_of_vector[frame->vector & 0xFF]);
	if (handler)
		handler();
}

int irq_route_isa(unsigned irq, void (*handler)(void))
{
	struct isa_irq_route route;
	unsigned pin;

	if (!handler) {
		pr_err("ioapic: ISA IRQ %u: no handler given", irq);
		return -EINVAL;
	}
	int err = isa_irq_resolve(acpi.overrides, MIN(acpi.override_count, ACPI_MAX_OVERRIDES),
				  irq, &route);
	if (err)
		return err;
	if (isa_vector_of_irq[irq]) {
		pr_err("ioapic: ISA IRQ %u is already routed (vector 0x%x)", irq,
		       isa_vector_of_irq[irq]);
		return -EBUSY;
	}
	if (!ioapic_for_gsi(route.gsi, &pin)) {
		pr_err("ioapic: ISA IRQ %u (GSI %u): no I/O APIC serves it", irq, route.gsi);
		return -ENODEV;
	}
	uint32_t dest = lapic_id();
	if (dest > 0xFF) {
		pr_err("ioapic: ISA IRQ %u: this CPU's APIC ID %u cannot be an I/O APIC "
		       "destination without interrupt remapping", irq, dest);
		return -EINVAL;
	}

	int vector = irq_alloc_vector(isa_irq_dispatch);
	if (vector < 0) {
		pr_err("ioapic: ISA IRQ %u: no free vector (error %d)", irq, vector);
		return vector;
	}
	/* The handler is in place before the pin is unmasked. */
	WRITE_ONCE(isa_handler_of_vector[vector], handler);
	err = ioapic_route_gsi(route.gsi, (uint8_t)vector, route.active_low, route.level, dest);
	if (err)
		return err;   /* logged; the vector stays allocated but unreachable */
	isa_vector_of_irq[irq] = (uint8_t)vector;
	pr_info("ioapic: ISA IRQ %u -> GSI %u (%s, %s%s) -> vector 0x%x, APIC id %u", irq,
		route.gsi, route.level ? "level" : "edge",
		route.active_low ? "active low" : "active high",
		route.overridden ? ", MADT override" : "", vector, dest);
	return 0;
}
