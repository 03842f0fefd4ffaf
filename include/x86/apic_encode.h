/* apic_encode.h - register values for the I/O APIC and the local APIC's
 * LINT pins, computed from MADT data (arch/x86/apic_encode.c, pure, host
 * unit-tested). Kept apart from the MMIO code so the encodings and the
 * override rules can be checked without hardware. */
#ifndef X86_APIC_ENCODE_H
#define X86_APIC_ENCODE_H

#include <plinth/compiler.h>

struct acpi_override;

/* MPS INTI flags as used by MADT overrides and NMI entries (ACPI 6.5
 * §5.2.12.5, Table 5.50): bits 1:0 polarity, bits 3:2 trigger mode. */
#define MPS_POLARITY_MASK     0x3
#define MPS_POLARITY_BUS      0x0   /* conforms to the bus (ISA: active high) */
#define MPS_POLARITY_HIGH     0x1
#define MPS_POLARITY_LOW      0x3
#define MPS_TRIGGER_SHIFT     2
#define MPS_TRIGGER_MASK      (0x3 << MPS_TRIGGER_SHIFT)
#define MPS_TRIGGER_BUS       (0x0 << MPS_TRIGGER_SHIFT)   /* ISA: edge */
#define MPS_TRIGGER_EDGE      (0x1 << MPS_TRIGGER_SHIFT)
#define MPS_TRIGGER_LEVEL     (0x3 << MPS_TRIGGER_SHIFT)

#define ISA_IRQ_COUNT 16

/* Where an ISA IRQ arrives at the I/O APICs, and how it is signalled. */
struct isa_irq_route {
	uint32_t gsi;
	bool active_low;
	bool level;
	bool overridden;   /* an Interrupt Source Override applied */
};

/* Decode MPS INTI flags; "conforms to the bus" takes the ISA defaults
 * (active high, edge). Reserved encodings (10b) are logged and replaced by
 * the ISA default; returns -EINVAL in that case (the route is still filled),
 * else 0. 'what' names the source in the message. */
int mps_inti_decode(uint16_t flags, const char *what, bool *active_low, bool *level);

/* Resolve ISA IRQ 'irq' (0..15) against the MADT overrides (ACPI 6.5
 * §5.2.12.5): an override for the IRQ gives its GSI and flags; without one
 * the IRQ is identity-mapped to GSI 'irq', edge, active high. Returns 0,
 * -EINVAL for an IRQ out of range, or -EBUSY when the identity GSI is taken
 * by another IRQ's override (the IRQ has no line of its own). Problems are
 * logged. */
int isa_irq_resolve(const struct acpi_override *ovr, unsigned count, unsigned irq,
		    struct isa_irq_route *out);

/* I/O APIC redirection table entry (82093AA datasheet §3.2.4). */
#define IOAPIC_RTE_VECTOR_MASK   0xFFULL
#define IOAPIC_RTE_DELIV_FIXED   (0x0ULL << 8)
#define IOAPIC_RTE_DEST_LOGICAL  BIT(11)
#define IOAPIC_RTE_DELIV_STATUS  BIT(12)
#define IOAPIC_RTE_ACTIVE_LOW    BIT(13)
#define IOAPIC_RTE_REMOTE_IRR    BIT(14)
#define IOAPIC_RTE_LEVEL         BIT(15)
#define IOAPIC_RTE_MASKED        BIT(16)
#define IOAPIC_RTE_DEST_SHIFT    56

/* Fixed delivery, physical destination mode. Rejects vectors below 0x10
 * (reserved for exceptions: SDM vol. 3 §11.5.2 says the APIC reports them as
 * illegal) and destinations above 255 (the entry has 8 destination bits;
 * larger x2APIC IDs need interrupt remapping). Returns 0 or -EINVAL. */
int ioapic_rte_encode(uint8_t vector, uint32_t dest_apic_id, bool active_low, bool level,
		      bool masked, uint64_t *out);

/* The I/O APIC version register (82093AA §3.2.2): bits 7:0 version, bits
 * 23:16 maximum redirection entry. Returns 0 with the version and the
 * number of entries, or -ENODEV when the value cannot come from an I/O APIC
 * (all ones, or a version outside the 0x01-0x2F range of real parts). */
int ioapic_version_decode(uint32_t reg, unsigned *version, unsigned *entries);

/* Local APIC LVT value for a LINT pin wired to NMI (SDM vol. 3 §11.5.1):
 * NMI delivery, polarity from the MPS flags, edge (the trigger mode bit is
 * ignored for NMI and must be edge). Unmasked. */
uint32_t lapic_lint_nmi_lvt(uint16_t mps_flags);

#endif
