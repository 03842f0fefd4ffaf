/* vioapic.c - the I/O APIC model (see vioapic.h). */
#include <plinth/log.h>
#include <plinth/string.h>
#include "vioapic.h"

#define REG_ID      0x00
#define REG_VERSION 0x01
#define REG_ARB     0x02
#define REG_RTE     0x10

void vioapic_init(struct vioapic *a, uint8_t id, vioapic_deliver_fn deliver, void *ctx)
{
	memset(a, 0, sizeof(*a));
	a->id = id & 0xF;
	a->deliver = deliver;
	a->ctx = ctx;
	for (unsigned i = 0; i < VIOAPIC_PINS; i++)
		a->rte[i] = VIOAPIC_RTE_MASKED;
}

/* Send pin's message if the pin's state calls for one now. */
static void service(struct vioapic *a, unsigned pin)
{
	uint64_t rte = a->rte[pin];
	struct vioapic_msg msg;

	if (!(a->lines & BIT(pin)) || (rte & VIOAPIC_RTE_MASKED))
		return;
	if (rte & VIOAPIC_RTE_LEVEL) {
		/* A level interrupt waits for its EOI before it is sent again. */
		if (rte & VIOAPIC_RTE_REMOTEIRR)
			return;
		a->rte[pin] |= VIOAPIC_RTE_REMOTEIRR;
	}
	msg = (struct vioapic_msg){
		.vector = (uint8_t)(rte & VIOAPIC_RTE_VECTOR),
		.delivery_mode = (uint8_t)((rte >> 8) & 7),
		.dest_logical = rte & VIOAPIC_RTE_DESTLOG,
		.dest = (uint8_t)(rte >> 56),
		.level = rte & VIOAPIC_RTE_LEVEL,
	};
	a->delivered[pin]++;
	if (a->deliver)
		a->deliver(a->ctx, &msg);
}

void vioapic_set_irq(struct vioapic *a, unsigned pin, bool asserted)
{
	bool was;

	if (pin >= VIOAPIC_PINS)
		return;
	was = a->lines & BIT(pin);
	if (asserted)
		a->lines |= (uint32_t)BIT(pin);
	else
		a->lines &= ~(uint32_t)BIT(pin);
	/* Edge pins deliver on the assertion; level pins whenever they are
	 * asserted and not waiting for an EOI. */
	if (asserted && (!was || (a->rte[pin] & VIOAPIC_RTE_LEVEL)))
		service(a, pin);
}

void vioapic_eoi(struct vioapic *a, uint8_t vector)
{
	for (unsigned i = 0; i < VIOAPIC_PINS; i++) {
		if ((a->rte[i] & VIOAPIC_RTE_VECTOR) != vector ||
		    !(a->rte[i] & VIOAPIC_RTE_REMOTEIRR))
			continue;
		a->rte[i] &= ~VIOAPIC_RTE_REMOTEIRR;
		service(a, i);
	}
}

static uint32_t read_reg(const struct vioapic *a, uint8_t reg)
{
	unsigned pin;

	switch (reg) {
	case REG_ID:
		return (uint32_t)a->id << 24;
	case REG_VERSION:
		/* Maximum redirection entry (bits 23:16) and version. */
		return ((uint32_t)(VIOAPIC_PINS - 1) << 16) | VIOAPIC_VERSION;
	case REG_ARB:
		return (uint32_t)a->id << 24;
	default:
		if (reg < REG_RTE || reg >= REG_RTE + 2 * VIOAPIC_PINS)
			return 0;
		pin = (reg - REG_RTE) / 2;
		return (uint32_t)(reg & 1 ? a->rte[pin] >> 32 : a->rte[pin]);
	}
}

static void write_reg(struct vioapic *a, uint8_t reg, uint32_t val)
{
	unsigned pin;
	uint64_t old, rte;

	if (reg == REG_ID) {
		a->id = (val >> 24) & 0xF;
		return;
	}
	if (reg < REG_RTE || reg >= REG_RTE + 2 * VIOAPIC_PINS)
		return;   /* version, arbitration and unused registers are read-only */
	pin = (reg - REG_RTE) / 2;
	old = a->rte[pin];
	if (reg & 1)
		rte = (old & 0xFFFFFFFFull) | ((uint64_t)val << 32);
	else
		rte = (old & ~0xFFFFFFFFull) | val;
	/* Delivery status and Remote IRR are read-only; an edge pin has no
	 * Remote IRR. */
	rte = (rte & ~VIOAPIC_RTE_RO) | (old & VIOAPIC_RTE_RO);
	if (!(rte & VIOAPIC_RTE_LEVEL))
		rte &= ~VIOAPIC_RTE_REMOTEIRR;
	a->rte[pin] = rte;
	/* Unmasking a level pin that is asserted delivers it now. */
	if ((old & VIOAPIC_RTE_MASKED) && !(rte & VIOAPIC_RTE_MASKED) &&
	    (rte & VIOAPIC_RTE_LEVEL))
		service(a, pin);
}

int vioapic_mmio_read(struct vioapic *a, uint32_t offset, unsigned size, uint32_t *val)
{
	*val = 0;
	if (offset == VIOAPIC_REGSEL) {
		*val = a->regsel;
		return 0;
	}
	if (offset == VIOAPIC_WINDOW) {
		if (size != 4) {
			pr_err("vioapic: %u-byte read of IOWIN (32-bit only)", size);
			return -EINVAL;
		}
		*val = read_reg(a, a->regsel);
	}
	return 0;
}

int vioapic_mmio_write(struct vioapic *a, uint32_t offset, unsigned size, uint32_t val)
{
	switch (offset) {
	case VIOAPIC_REGSEL:
		a->regsel = (uint8_t)val;
		return 0;
	case VIOAPIC_WINDOW:
	case VIOAPIC_EOI:
		if (size != 4) {
			pr_err("vioapic: %u-byte write at offset 0x%x (32-bit only)", size, offset);
			return -EINVAL;
		}
		if (offset == VIOAPIC_WINDOW)
			write_reg(a, a->regsel, val);
		else
			vioapic_eoi(a, (uint8_t)val);
		return 0;
	default:
		return 0;
	}
}
