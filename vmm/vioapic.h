/* vioapic.h - an I/O APIC (Intel 82093AA I/OAPIC data sheet, order no.
 * 290566: registers §3.2, redirection table §3.2.4) with 24 input pins at
 * guest-physical 0xFEC00000: IOREGSEL at offset 0x00, IOWIN at 0x10, and
 * the EOI register at 0x40 of version 0x20 I/O APICs (as in the ICH/PIIX
 * chipsets Linux drives). Pure model (host-tested, tests/unit/test_vioapic.c).
 *
 * Pins take levels from the VMM (vm_irq_set: the line asserted or not;
 * the polarity bit says how the guest believes the wire is driven, the
 * model takes "asserted" as given). An edge-triggered pin delivers on each
 * assertion; a level-triggered pin delivers while asserted and not waiting
 * for its EOI (Remote IRR), and again after the EOI if still asserted.
 * Messages go to the deliver callback (the platform sends them to the
 * local APIC, vlapic_set_irq). */
#ifndef VMM_VIOAPIC_H
#define VMM_VIOAPIC_H

#include <plinth/compiler.h>

#define VIOAPIC_BASE_GPA   0xFEC00000ULL
#define VIOAPIC_SIZE       0x1000
#define VIOAPIC_PINS       24
#define VIOAPIC_VERSION    0x20     /* with the directed EOI register */

#define VIOAPIC_REGSEL     0x00
#define VIOAPIC_WINDOW     0x10
#define VIOAPIC_EOI        0x40

/* Redirection entry bits (§3.2.4). */
#define VIOAPIC_RTE_VECTOR    0xFFull
#define VIOAPIC_RTE_DELMODE   (7ull << 8)
#define VIOAPIC_RTE_DESTLOG   BIT(11)
#define VIOAPIC_RTE_PENDING   BIT(12)   /* delivery status (read-only) */
#define VIOAPIC_RTE_POLARITY  BIT(13)   /* 1 = active low */
#define VIOAPIC_RTE_REMOTEIRR BIT(14)   /* read-only */
#define VIOAPIC_RTE_LEVEL     BIT(15)
#define VIOAPIC_RTE_MASKED    BIT(16)
#define VIOAPIC_RTE_RO        (VIOAPIC_RTE_PENDING | VIOAPIC_RTE_REMOTEIRR)

/* One interrupt message: destination (APIC ID or logical mask), delivery
 * mode (0 fixed, 1 lowest priority, 2 SMI, 4 NMI, 5 INIT, 7 ExtINT). */
struct vioapic_msg {
	uint8_t vector;
	uint8_t delivery_mode;
	bool dest_logical;
	uint8_t dest;
	bool level;
};

typedef void (*vioapic_deliver_fn)(void *ctx, const struct vioapic_msg *msg);

struct vioapic {
	uint8_t id;                     /* register 0 bits 27:24 */
	uint8_t regsel;
	uint64_t rte[VIOAPIC_PINS];
	uint32_t lines;                 /* asserted pins */
	vioapic_deliver_fn deliver;
	void *ctx;
	uint64_t delivered[VIOAPIC_PINS];   /* messages sent, per pin (statistics) */
};

/* Reset (§3.2.4: every pin masked, edge, vector 0); ID id. */
void vioapic_init(struct vioapic *a, uint8_t id, vioapic_deliver_fn deliver, void *ctx);
/* A guest access at offset in the page (size 1, 2 or 4). IOREGSEL is a byte
 * register; IOWIN and EOI take 32-bit accesses (others refused, -EINVAL,
 * logged). Unused offsets read 0 and ignore writes. */
int vioapic_mmio_read(struct vioapic *a, uint32_t offset, unsigned size, uint32_t *val);
int vioapic_mmio_write(struct vioapic *a, uint32_t offset, unsigned size, uint32_t val);
/* Pin pin asserted (true) or released. Out-of-range pins are ignored. */
void vioapic_set_irq(struct vioapic *a, unsigned pin, bool asserted);
/* The local APIC ended a level-triggered interrupt with vector (EOI
 * broadcast, or the EOI register): Remote IRR clears on every pin with
 * that vector, and a pin still asserted delivers again. */
void vioapic_eoi(struct vioapic *a, uint8_t vector);

#endif
