/* vpic.h - the PC's pair of 8259A programmable interrupt controllers
 * (Intel 8259A data sheet, order no. 231468) plus the PIIX edge/level
 * control registers (ELCR, ports 0x4D0/0x4D1; Intel 82371AB PIIX4 data
 * sheet §12.6). Master at 0x20/0x21 with IRQ 0-7, slave at 0xA0/0xA1 with
 * IRQ 8-15, cascaded into the master's IR2. Pure model (host-tested): the
 * VMM raises and lowers IRQ lines, asks for the vector the INTR output
 * requests, and acknowledges it when it injects it (the INTA cycle). */
#ifndef VMM_VPIC_H
#define VMM_VPIC_H

#include <plinth/compiler.h>

#define VPIC_MASTER_CMD   0x20
#define VPIC_MASTER_DATA  0x21
#define VPIC_SLAVE_CMD    0xA0
#define VPIC_SLAVE_DATA   0xA1
#define VPIC_ELCR_MASTER  0x4D0
#define VPIC_ELCR_SLAVE   0x4D1
#define VPIC_CASCADE_IRQ  2

struct vpic_chip {
	uint8_t irr;            /* interrupt request register */
	uint8_t isr;            /* in-service register */
	uint8_t imr;            /* interrupt mask register (OCW1) */
	uint8_t lines;          /* current level of the IR inputs */
	uint8_t elcr;           /* level-triggered inputs (ELCR) */
	uint8_t elcr_writable;  /* ELCR bits that exist */
	uint8_t vector_base;    /* ICW2 bits 7:3 */
	uint8_t icw3;
	uint8_t lowest;         /* the input with the lowest priority (rotation) */
	uint8_t init_step;      /* 0 ready; 2, 3, 4: next byte is that ICW */
	bool icw4_needed;       /* ICW1.IC4 */
	bool single;            /* ICW1.SNGL */
	bool level_all;         /* ICW1.LTIM: every input level-triggered */
	bool auto_eoi;          /* ICW4.AEOI */
	bool special_nested;    /* ICW4.SFNM */
	bool rotate_on_aeoi;    /* OCW2 R=1 SL=0 EOI=0 */
	bool special_mask;      /* OCW3 ESMM/SMM */
	bool read_isr;          /* OCW3 RR/RIS: the command port reads ISR */
	bool poll;              /* OCW3 P: the next read is a poll */
};

struct vpic {
	struct vpic_chip chip[2];   /* 0 master, 1 slave */
};

/* Power-on state: both chips need ICW1-ICW4 before they deliver anything;
 * every IRQ masked until then is not required by the data sheet, but what
 * firmware leaves: IMR 0xFF. */
void vpic_init(struct vpic *p);
/* Port access of one byte. Returns 0, or -EINVAL for a port that is not a
 * PIC or ELCR port (logged). */
int vpic_port_read(struct vpic *p, uint16_t port, uint8_t *val);
int vpic_port_write(struct vpic *p, uint16_t port, uint8_t val);
/* Drive IRQ line irq (0-15) to level. Edge-triggered inputs latch a
 * request on the rising edge; level-triggered ones request while high. */
void vpic_set_irq(struct vpic *p, unsigned irq, bool level);
/* True if the master's INTR output is asserted: the vector it would
 * deliver is then in *vector (a spurious IRQ 7 / 15 vector if the request
 * went away in the slave). */
bool vpic_pending(const struct vpic *p, uint8_t *vector);
/* The INTA cycle: the vector of the highest-priority request, moving it
 * from IRR to ISR (unless auto-EOI); the spurious IRQ 7 (master) or 15
 * (slave) vector when nothing is requested. */
uint8_t vpic_ack(struct vpic *p);

#endif
