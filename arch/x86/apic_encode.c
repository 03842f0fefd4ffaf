/* apic_encode.c - I/O APIC redirection entries, MADT interrupt source
 * overrides and LINT NMI wiring, as values. Pure (no MMIO, no globals):
 * arch/x86/ioapic.c and lapic.c write what these return; host unit tests
 * (tests/unit/test_apic_encode.c) check them. */
#include <plinth/acpi.h>
#include <plinth/log.h>
#include <x86/apic_encode.h>

int mps_inti_decode(uint16_t flags, const char *what, bool *active_low, bool *level)
{
	int err = 0;

	/* ACPI 6.5 §5.2.12.5, Table 5.50: 00 conforms to the bus, 01 active
	 * high / edge, 10 reserved, 11 active low / level. For ISA, "conforms"
	 * means active high, edge triggered. */
	switch (flags & MPS_POLARITY_MASK) {
	case MPS_POLARITY_BUS:
	case MPS_POLARITY_HIGH:
		*active_low = false;
		break;
	case MPS_POLARITY_LOW:
		*active_low = true;
		break;
	default:
		pr_warn("apic: %s has reserved polarity 10b (flags 0x%x); using active high",
			what, flags);
		*active_low = false;
		err = -EINVAL;
		break;
	}
	switch (flags & MPS_TRIGGER_MASK) {
	case MPS_TRIGGER_BUS:
	case MPS_TRIGGER_EDGE:
		*level = false;
		break;
	case MPS_TRIGGER_LEVEL:
		*level = true;
		break;
	default:
		pr_warn("apic: %s has reserved trigger mode 10b (flags 0x%x); using edge",
			what, flags);
		*level = false;
		err = -EINVAL;
		break;
	}
	return err;
}

int isa_irq_resolve(const struct acpi_override *ovr, unsigned count, unsigned irq,
		    struct isa_irq_route *out)
{
	if (irq >= ISA_IRQ_COUNT) {
		pr_err("ioapic: ISA IRQ %u does not exist (0-15)", irq);
		return -EINVAL;
	}

	for (unsigned i = 0; i < count; i++) {
		if (ovr[i].bus != 0 || ovr[i].source != irq)
			continue;
		/* An override gives the GSI and the signalling (§5.2.12.5). A
		 * reserved flag encoding was logged; the ISA default stands in. */
		out->gsi = ovr[i].gsi;
		out->overridden = true;
		(void)mps_inti_decode(ovr[i].flags, "interrupt source override", &out->active_low,
				      &out->level);
		return 0;
	}

	/* No override: identity-mapped, ISA signalling (§5.2.12.5: "it is
	 * assumed that the ISA interrupts are identity mapped"), unless another
	 * IRQ was moved onto this GSI (e.g. IRQ 0 -> GSI 2 leaves no GSI for
	 * IRQ 2: the cascade, which has no device). */
	for (unsigned i = 0; i < count; i++) {
		if (ovr[i].bus == 0 && ovr[i].gsi == irq) {
			pr_err("ioapic: ISA IRQ %u has no line of its own: IRQ %u is overridden to GSI %u",
			       irq, ovr[i].source, ovr[i].gsi);
			return -EBUSY;
		}
	}
	out->gsi = irq;
	out->active_low = false;
	out->level = false;
	out->overridden = false;
	return 0;
}

int ioapic_rte_encode(uint8_t vector, uint32_t dest_apic_id, bool active_low, bool level,
		      bool masked, uint64_t *out)
{
	if (vector < 0x10) {
		pr_err("ioapic: vector 0x%x is reserved (below 0x10); entry not written", vector);
		return -EINVAL;
	}
	if (dest_apic_id > 0xFF) {
		pr_err("ioapic: APIC ID %u does not fit a redirection entry (8 bits); "
		       "interrupt remapping would be needed", dest_apic_id);
		return -EINVAL;
	}
	uint64_t e = vector | IOAPIC_RTE_DELIV_FIXED;   /* physical mode: bit 11 clear */
	if (active_low)
		e |= IOAPIC_RTE_ACTIVE_LOW;
	if (level)
		e |= IOAPIC_RTE_LEVEL;
	if (masked)
		e |= IOAPIC_RTE_MASKED;
	e |= (uint64_t)dest_apic_id << IOAPIC_RTE_DEST_SHIFT;
	*out = e;
	return 0;
}

int ioapic_version_decode(uint32_t reg, unsigned *version, unsigned *entries)
{
	unsigned ver = reg & 0xFF;
	unsigned max_entry = (reg >> 16) & 0xFF;

	/* A missing device reads as all ones (or zeroes); the 82093AA reports
	 * 0x11 and chipset I/O APICs 0x20-0x21: accept 0x01-0x2F. */
	if (reg == 0xFFFFFFFFu || ver == 0 || ver > 0x2F || max_entry == 0xFF)
		return -ENODEV;
	*version = ver;
	*entries = max_entry + 1;
	return 0;
}

uint32_t lapic_lint_nmi_lvt(uint16_t mps_flags)
{
	bool active_low = false, level = false;

	/* SDM vol. 3 §11.5.1: delivery mode 100b = NMI; for NMI the trigger mode
	 * is always edge, so only the polarity (bit 13) is taken from the MADT.
	 * A reserved encoding was logged and defaults to active high. */
	(void)mps_inti_decode(mps_flags, "local APIC NMI entry", &active_low, &level);
	uint32_t lvt = 0x4u << 8;
	if (active_low)
		lvt |= 1u << 13;
	return lvt;
}
