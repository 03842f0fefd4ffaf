/* acpi_madt.c - the Multiple APIC Description Table (ACPI 6.5 §5.2.12):
 * local APIC address, the CPUs (local APIC and x2APIC entries), I/O APICs,
 * interrupt source overrides and local APIC NMI wiring. Every entry's
 * length is checked before it is read; a zero length (which would loop
 * forever) or an entry running past the table ends the walk. Pure. */
#include <plinth/acpi.h>
#include <plinth/log.h>
#include <plinth/string.h>

#include "acpi_internal.h"

/* MADT layout after the common header (ACPI 6.5 §5.2.12). */
#define MADT_LAPIC_ADDR_OFF  36
#define MADT_FLAGS_OFF       40
#define MADT_ENTRIES_OFF     44
#define MADT_PCAT_COMPAT     BIT(0)

/* Interrupt controller structure types and their lengths (§5.2.12.2 ff.). */
enum madt_type {
	MADT_LOCAL_APIC          = 0,    /* §5.2.12.2, 8 bytes */
	MADT_IO_APIC             = 1,    /* §5.2.12.3, 12 bytes */
	MADT_INT_SRC_OVERRIDE    = 2,    /* §5.2.12.5, 10 bytes */
	MADT_NMI_SOURCE          = 3,    /* §5.2.12.6, 8 bytes */
	MADT_LOCAL_APIC_NMI      = 4,    /* §5.2.12.7, 6 bytes */
	MADT_LAPIC_ADDR_OVERRIDE = 5,    /* §5.2.12.8, 12 bytes */
	MADT_LOCAL_X2APIC        = 9,    /* §5.2.12.12, 16 bytes */
	MADT_LOCAL_X2APIC_NMI    = 0xA,  /* §5.2.12.13, 12 bytes */
};

/* Processor Local APIC / x2APIC flags (§5.2.12.2). */
#define MADT_CPU_ENABLED         BIT(0)
#define MADT_CPU_ONLINE_CAPABLE  BIT(1)

/* The longest entry this file reads; longer (future) entries are fine,
 * only their first MADT_ENTRY_READ bytes are looked at. */
#define MADT_ENTRY_READ 16

static const uint8_t madt_min_len[] = {
	[MADT_LOCAL_APIC] = 8,
	[MADT_IO_APIC] = 12,
	[MADT_INT_SRC_OVERRIDE] = 10,
	[MADT_NMI_SOURCE] = 8,
	[MADT_LOCAL_APIC_NMI] = 6,
	[MADT_LAPIC_ADDR_OVERRIDE] = 12,
	[MADT_LOCAL_X2APIC] = 16,
	[MADT_LOCAL_X2APIC_NMI] = 12,
};

/* Per-walk state: counts of what did not fit, reported once at the end. */
struct madt_walk {
	struct acpi_info *out;
	unsigned cpus_dropped, ioapics_dropped, overrides_dropped, nmis_dropped;
};

/* Add a CPU unless its APIC ID is already listed (the first entry wins;
 * firmware sometimes lists a CPU as both local APIC and x2APIC). */
static void add_cpu(struct madt_walk *w, uint32_t apic_id, uint32_t uid, uint32_t flags)
{
	struct acpi_info *out = w->out;

	for (unsigned i = 0; i < out->cpu_count; i++) {
		if (out->cpus[i].apic_id == apic_id) {
			pr_warn("ACPI: MADT lists APIC ID %u twice (UIDs %u and %u); second ignored",
				apic_id, out->cpus[i].uid, uid);
			return;
		}
	}
	if (out->cpu_count >= ACPI_MAX_CPUS) {
		w->cpus_dropped++;
		return;
	}
	struct acpi_cpu *cpu = &out->cpus[out->cpu_count++];
	cpu->apic_id = apic_id;
	cpu->uid = uid;
	cpu->enabled = (flags & (MADT_CPU_ENABLED | MADT_CPU_ONLINE_CAPABLE)) != 0;
}

static void add_lapic_nmi(struct madt_walk *w, uint32_t uid, uint16_t flags, uint8_t lint)
{
	struct acpi_info *out = w->out;

	if (lint > 1) {
		pr_warn("ACPI: MADT local APIC NMI on LINT%u (only LINT0/1 exist); ignored", lint);
		return;
	}
	if (out->lapic_nmi_count >= ACPI_MAX_LAPIC_NMIS) {
		w->nmis_dropped++;
		return;
	}
	struct acpi_lapic_nmi *nmi = &out->lapic_nmis[out->lapic_nmi_count++];
	nmi->uid = uid;
	nmi->flags = flags;
	nmi->lint = lint;
}

/* Decode one interrupt controller structure 'e' (at least its type's
 * minimum length, checked by the caller) found at table offset 'off'. */
static void madt_entry(struct madt_walk *w, const uint8_t *e, uint32_t off)
{
	struct acpi_info *out = w->out;

	switch (e[0]) {
	case MADT_LOCAL_APIC: {
		/* 8-bit APIC ID; 0xFF is the broadcast ID, never a CPU's. */
		uint32_t flags = acpi_get32(e + 4);
		if (e[3] == 0xFF) {
			if (flags & (MADT_CPU_ENABLED | MADT_CPU_ONLINE_CAPABLE))
				pr_warn("ACPI: MADT CPU with APIC ID 0xFF (broadcast); ignored");
			return;
		}
		add_cpu(w, e[3], e[2], flags);
		return;
	}
	case MADT_LOCAL_X2APIC: {
		uint32_t id = acpi_get32(e + 4);
		uint32_t flags = acpi_get32(e + 8);
		if (id == 0xFFFFFFFFu) {
			if (flags & (MADT_CPU_ENABLED | MADT_CPU_ONLINE_CAPABLE))
				pr_warn("ACPI: MADT CPU with x2APIC ID 0xFFFFFFFF (broadcast); ignored");
			return;
		}
		add_cpu(w, id, acpi_get32(e + 12), flags);
		return;
	}
	case MADT_IO_APIC: {
		uint32_t addr = acpi_get32(e + 4);
		if (addr == 0) {
			pr_warn("ACPI: MADT I/O APIC %u at address 0; ignored", e[2]);
			return;
		}
		if (out->ioapic_count >= ACPI_MAX_IOAPICS) {
			w->ioapics_dropped++;
			return;
		}
		struct acpi_ioapic *io = &out->ioapics[out->ioapic_count++];
		io->id = e[2];
		io->address = addr;
		io->gsi_base = acpi_get32(e + 8);
		return;
	}
	case MADT_INT_SRC_OVERRIDE: {
		/* Bus 0 means ISA, the only value defined (§5.2.12.5). */
		if (e[2] != 0 || e[3] > 15) {
			pr_warn("ACPI: MADT override for bus %u IRQ %u (not ISA); ignored", e[2], e[3]);
			return;
		}
		if (out->override_count >= ACPI_MAX_OVERRIDES) {
			w->overrides_dropped++;
			return;
		}
		struct acpi_override *o = &out->overrides[out->override_count++];
		o->bus = e[2];
		o->source = e[3];
		o->gsi = acpi_get32(e + 4);
		o->flags = acpi_get16(e + 8);
		return;
	}
	case MADT_LOCAL_APIC_NMI:
		/* UID 0xFF means every processor (§5.2.12.7). */
		add_lapic_nmi(w, e[2] == 0xFF ? ACPI_NMI_ALL_CPUS : e[2], acpi_get16(e + 3), e[5]);
		return;
	case MADT_LOCAL_X2APIC_NMI:
		add_lapic_nmi(w, acpi_get32(e + 4), acpi_get16(e + 2), e[8]);
		return;
	case MADT_LAPIC_ADDR_OVERRIDE:
		/* Replaces the 32-bit address in the header (§5.2.12.8). */
		out->lapic_addr = acpi_get64(e + 4);
		return;
	case MADT_NMI_SOURCE:
		/* An I/O APIC input wired to NMI: nothing plinth routes yet. */
		pr_debug("ACPI: MADT NMI source GSI %u not used", acpi_get32(e + 4));
		return;
	default:
		pr_debug("ACPI: MADT entry type %u at offset %u skipped", e[0], off);
		return;
	}
}

void acpi_parse_madt(struct acpi_info *out, const struct acpi_src *src, uint64_t addr,
		     uint32_t len)
{
	struct madt_walk w = { .out = out };
	uint8_t fixed[MADT_ENTRIES_OFF - ACPI_HDR_LEN];

	if (len < MADT_ENTRIES_OFF) {
		pr_warn("ACPI: MADT too short (%u bytes); ignored", len);
		return;
	}
	if (!acpi_src_read(src, addr + MADT_LAPIC_ADDR_OFF, fixed, sizeof(fixed)))
		return;
	out->has_madt = true;
	out->lapic_addr = acpi_get32(fixed + (MADT_LAPIC_ADDR_OFF - ACPI_HDR_LEN));
	out->pcat_compat = (acpi_get32(fixed + (MADT_FLAGS_OFF - ACPI_HDR_LEN)) &
			    MADT_PCAT_COMPAT) != 0;

	/* Each entry starts with type and length (§5.2.12). */
	for (uint32_t off = MADT_ENTRIES_OFF; off < len;) {
		uint8_t e[MADT_ENTRY_READ];
		if (len - off < 2) {
			pr_warn("ACPI: MADT has a stray byte at offset %u", off);
			break;
		}
		if (!acpi_src_read(src, addr + off, e, 2))
			break;
		uint8_t type = e[0], elen = e[1];
		if (elen < 2) {
			pr_warn("ACPI: MADT entry type %u at offset %u has length %u; rest of MADT ignored",
				type, off, elen);
			break;
		}
		if (elen > len - off) {
			pr_warn("ACPI: MADT entry type %u at offset %u (length %u) runs past the end (%u); rest ignored",
				type, off, elen, len);
			break;
		}
		memset(e, 0, sizeof(e));
		if (!acpi_src_read(src, addr + off, e, MIN((size_t)elen, sizeof(e))))
			break;
		if (type < ARRAY_SIZE(madt_min_len) && elen < madt_min_len[type]) {
			pr_warn("ACPI: MADT entry type %u at offset %u too short (%u < %u); skipped",
				type, off, elen, madt_min_len[type]);
		} else {
			madt_entry(&w, e, off);
		}
		off += elen;
	}

	if (w.cpus_dropped)
		pr_warn("ACPI: %u CPUs beyond the first %u ignored", w.cpus_dropped, ACPI_MAX_CPUS);
	if (w.ioapics_dropped)
		pr_warn("ACPI: %u I/O APICs beyond the first %u ignored", w.ioapics_dropped,
			ACPI_MAX_IOAPICS);
	if (w.overrides_dropped)
		pr_warn("ACPI: %u interrupt overrides beyond the first %u ignored",
			w.overrides_dropped, ACPI_MAX_OVERRIDES);
	if (w.nmis_dropped)
		pr_warn("ACPI: %u local APIC NMI entries beyond the first %u ignored",
			w.nmis_dropped, ACPI_MAX_LAPIC_NMIS);
}
