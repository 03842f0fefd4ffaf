/* vpic.c - the 8259A pair (see vpic.h). Section references are to the
 * Intel 8259A data sheet (231468): "ICW" initialization command words,
 * "OCW" operation command words, "Interrupt Sequence", "Priority
 * Rotation", "Special Mask Mode", "Poll Command", "Cascade Mode". */
#include <plinth/log.h>
#include <plinth/string.h>
#include "vpic.h"

/* PIIX4 ELCR: IRQ 0, 1, 2, 8 and 13 are edge-triggered only; their bits
 * are reserved (82371AB data sheet §12.6.1, §12.6.2). */
#define ELCR_MASTER_WRITABLE 0xF8
#define ELCR_SLAVE_WRITABLE  0xDE

static void chip_reset(struct vpic_chip *c, uint8_t elcr_writable)
{
	memset(c, 0, sizeof(*c));
	c->imr = 0xFF;
	c->lowest = 7;
	c->elcr_writable = elcr_writable;
}

void vpic_init(struct vpic *p)
{
	chip_reset(&p->chip[0], ELCR_MASTER_WRITABLE);
	chip_reset(&p->chip[1], ELCR_SLAVE_WRITABLE);
}

static uint8_t level_mask(const struct vpic_chip *c)
{
	return c->level_all ? 0xFF : c->elcr;
}

/* Priority of input irq: 0 highest, 7 lowest; the input after 'lowest'
 * has the highest priority ("Priority Rotation"). */
static unsigned priority(const struct vpic_chip *c, unsigned irq)
{
	return (irq - c->lowest - 1) & 7;
}

/* The input with the highest priority among bits, or -1. */
static int highest(const struct vpic_chip *c, uint8_t bits)
{
	for (unsigned i = 0; i < 8; i++) {
		unsigned irq = (c->lowest + 1 + i) & 7;
		if (bits & (1u << irq))
			return (int)irq;
	}
	return -1;
}

/* The request the chip's INT output stands for, or -1: the highest
 * unmasked request with a higher priority than everything in service. In
 * special mask mode, masked in-service levels do not block others
 * ("Special Mask Mode"); in special fully nested mode the master lets the
 * cascade input interrupt itself ("Special Fully Nested Mode"). */
static int chip_request(const struct vpic_chip *c, bool master)
{
	uint8_t in_service = c->isr;
	int req = highest(c, c->irr & ~c->imr), cur;

	if (req < 0)
		return -1;
	if (c->special_mask)
		in_service &= ~c->imr;
	if (master && c->special_nested)
		in_service &= (uint8_t)~(1u << VPIC_CASCADE_IRQ);
	cur = highest(c, in_service);
	if (cur >= 0 && priority(c, (unsigned)cur) <= priority(c, (unsigned)req))
		return -1;
	return req;
}

/* The slave's INT output drives the master's IR2 (cascade). */
static void update_cascade(struct vpic *p)
{
	struct vpic_chip *m = &p->chip[0];
	const uint8_t bit = 1u << VPIC_CASCADE_IRQ;

	if (chip_request(&p->chip[1], false) >= 0) {
		m->lines |= bit;
		m->irr |= bit;
	} else {
		m->lines &= (uint8_t)~bit;
		m->irr &= (uint8_t)~bit;
	}
}

void vpic_set_irq(struct vpic *p, unsigned irq, bool level)
{
	struct vpic_chip *c;
	uint8_t bit;

	if (irq > 15 || irq == VPIC_CASCADE_IRQ) {
		pr_warn("vpic: IRQ %u cannot be raised (not an input line)", irq);
		return;
	}
	c = &p->chip[irq >> 3];
	bit = (uint8_t)(1u << (irq & 7));
	if (level_mask(c) & bit) {
		/* Level-triggered: the request follows the line. */
		if (level)
			c->irr |= bit;
		else
			c->irr &= (uint8_t)~bit;
	} else if (level && !(c->lines & bit)) {
		c->irr |= bit;   /* rising edge */
	}
	if (level)
		c->lines |= bit;
	else
		c->lines &= (uint8_t)~bit;
	update_cascade(p);
}

/* One chip's part of the INTA cycle for request irq. */
static void chip_accept(struct vpic_chip *c, unsigned irq)
{
	uint8_t bit = (uint8_t)(1u << irq);

	/* An edge request is consumed; a level one stays while the line is
	 * high ("Interrupt Sequence", "Level Triggered Mode"). */
	if (!(level_mask(c) & bit))
		c->irr &= (uint8_t)~bit;
	else if (!(c->lines & bit))
		c->irr &= (uint8_t)~bit;
	if (c->auto_eoi) {
		if (c->rotate_on_aeoi)
			c->lowest = (uint8_t)irq;
	} else {
		c->isr |= bit;
	}
}

bool vpic_pending(const struct vpic *p, uint8_t *vector)
{
	int irq = chip_request(&p->chip[0], true), sirq;

	if (irq < 0)
		return false;
	if (irq != VPIC_CASCADE_IRQ || p->chip[0].single) {
		*vector = (uint8_t)(p->chip[0].vector_base + irq);
		return true;
	}
	sirq = chip_request(&p->chip[1], false);
	*vector = (uint8_t)(p->chip[1].vector_base + (sirq < 0 ? 7 : sirq));
	return true;
}

uint8_t vpic_ack(struct vpic *p)
{
	struct vpic_chip *m = &p->chip[0], *s = &p->chip[1];
	int irq = chip_request(m, true), sirq;
	uint8_t vector;

	if (irq < 0)
		return (uint8_t)(m->vector_base + 7);   /* spurious IRQ 7 */
	chip_accept(m, (unsigned)irq);
	if (irq != VPIC_CASCADE_IRQ || m->single) {
		vector = (uint8_t)(m->vector_base + irq);
	} else {
		sirq = chip_request(s, false);
		if (sirq < 0) {
			vector = (uint8_t)(s->vector_base + 7);   /* spurious IRQ 15 */
		} else {
			chip_accept(s, (unsigned)sirq);
			vector = (uint8_t)(s->vector_base + sirq);
		}
	}
	update_cascade(p);
	return vector;
}

/* OCW2: end of interrupt and priority rotation. */
static void write_ocw2(struct vpic_chip *c, uint8_t val)
{
	unsigned cmd = val >> 5, level = val & 7;
	int irq;

	switch (cmd) {
	case 0: c->rotate_on_aeoi = false; break;   /* clear rotate in AEOI */
	case 4: c->rotate_on_aeoi = true; break;    /* set rotate in AEOI */
	case 1: case 5:                             /* (rotate on) non-specific EOI */
		irq = highest(c, c->isr);
		if (irq >= 0) {
			c->isr &= (uint8_t)~(1u << irq);
			if (cmd == 5)
				c->lowest = (uint8_t)irq;
		}
		break;
	case 3: case 7:                             /* (rotate on) specific EOI */
		c->isr &= (uint8_t)~(1u << level);
		if (cmd == 7)
			c->lowest = (uint8_t)level;
		break;
	case 6:                                     /* set priority */
		c->lowest = (uint8_t)level;
		break;
	default:                                    /* 2: no operation */
		break;
	}
}

/* ICW1 starts the initialization sequence: the edge sense is reset (an
 * input must rise again), IMR cleared, IR7 lowest priority, special mask
 * mode off, the command port reads IRR, and ICW4 functions zero when IC4=0
 * ("Initialization Command Words", ICW1 a-f). */
static void write_icw1(struct vpic_chip *c, uint8_t val)
{
	c->icw4_needed = val & 0x01;
	c->single = val & 0x02;
	c->level_all = val & 0x08;
	c->imr = 0;
	c->isr = 0;
	c->irr = c->lines & level_mask(c);
	c->lowest = 7;
	c->special_mask = false;
	c->read_isr = false;
	c->poll = false;
	c->auto_eoi = false;
	c->special_nested = false;
	c->rotate_on_aeoi = false;
	c->init_step = 2;
}

static void write_data(struct vpic_chip *c, uint8_t val, bool master)
{
	switch (c->init_step) {
	case 2:   /* ICW2: vector bits 7:3 (8086 mode) */
		c->vector_base = val & 0xF8;
		c->init_step = c->single ? (c->icw4_needed ? 4 : 0) : 3;
		return;
	case 3:   /* ICW3: master: inputs with a slave; slave: its ID */
		c->icw3 = val;
		c->init_step = c->icw4_needed ? 4 : 0;
		return;
	case 4:   /* ICW4: uPM, AEOI, buffered mode, SFNM */
		if (!(val & 0x01))
			pr_warn("vpic: %s 8259 set to MCS-80/85 mode (ICW4 0x%x); only 8086 mode "
				"is emulated", master ? "master" : "slave", val);
		c->auto_eoi = val & 0x02;
		c->special_nested = val & 0x10;
		c->init_step = 0;
		return;
	default:  /* OCW1: the mask */
		c->imr = val;
		return;
	}
}

/* The poll command: the next read returns 0x80 | level of the highest
 * request and acknowledges it, or 0 when none ("Poll Command"). */
static uint8_t poll_read(struct vpic *p, unsigned chip)
{
	struct vpic_chip *c = &p->chip[chip];
	int irq = chip_request(c, chip == 0);

	c->poll = false;
	if (irq < 0)
		return 0;
	chip_accept(c, (unsigned)irq);
	update_cascade(p);
	return (uint8_t)(0x80 | irq);
}

int vpic_port_read(struct vpic *p, uint16_t port, uint8_t *val)
{
	unsigned chip;
	struct vpic_chip *c;

	switch (port) {
	case VPIC_ELCR_MASTER: *val = p->chip[0].elcr; return 0;
	case VPIC_ELCR_SLAVE:  *val = p->chip[1].elcr; return 0;
	case VPIC_MASTER_CMD: case VPIC_MASTER_DATA: chip = 0; break;
	case VPIC_SLAVE_CMD: case VPIC_SLAVE_DATA:   chip = 1; break;
	default:
		pr_warn("vpic: read of port 0x%x, which is not a PIC port", port);
		*val = 0xFF;
		return -EINVAL;
	}
	c = &p->chip[chip];
	if (c->poll)
		*val = poll_read(p, chip);
	else if (port & 1)
		*val = c->imr;
	else
		*val = c->read_isr ? c->isr : c->irr;
	return 0;
}

int vpic_port_write(struct vpic *p, uint16_t port, uint8_t val)
{
	unsigned chip;
	struct vpic_chip *c;

	switch (port) {
	case VPIC_ELCR_MASTER: case VPIC_ELCR_SLAVE:
		c = &p->chip[port - VPIC_ELCR_MASTER];
		c->elcr = val & c->elcr_writable;
		/* Level-triggered requests follow their lines from now on. */
		c->irr = (uint8_t)((c->irr & ~level_mask(c)) | (c->lines & level_mask(c)));
		update_cascade(p);
		return 0;
	case VPIC_MASTER_CMD: case VPIC_MASTER_DATA: chip = 0; break;
	case VPIC_SLAVE_CMD: case VPIC_SLAVE_DATA:   chip = 1; break;
	default:
		pr_warn("vpic: write of port 0x%x, which is not a PIC port", port);
		return -EINVAL;
	}
	c = &p->chip[chip];
	if (port & 1) {
		write_data(c, val, chip == 0);
	} else if (val & 0x10) {
		write_icw1(c, val);
	} else if (val & 0x08) {
		/* OCW3: P, RR/RIS, ESMM/SMM. */
		if (val & 0x04)
			c->poll = true;
		if (val & 0x02)
			c->read_isr = val & 0x01;
		if (val & 0x40)
			c->special_mask = val & 0x20;
	} else {
		write_ocw2(c, val);
	}
	update_cascade(p);
	return 0;
}
