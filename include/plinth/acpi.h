/* acpi.h - what plinth needs from the firmware's ACPI tables: CPUs and
 * interrupt controllers (MADT), reset and power-off (FADT, DSDT \_S5),
 * the HPET. The parser (drivers/acpi/) is pure: it reads physical memory
 * through an accessor so host unit tests can feed synthetic tables. Every
 * table's checksum and length are checked before it is used (ACPI 6.5
 * §5.2.5-§5.2.12); a bad table is reported and skipped. */
#ifndef PLINTH_ACPI_H
#define PLINTH_ACPI_H

#include <plinth/compiler.h>

struct boot_info;

#define ACPI_MAX_CPUS       256
#define ACPI_MAX_IOAPICS    16
#define ACPI_MAX_OVERRIDES  32
#define ACPI_MAX_TABLES     64
#define ACPI_MAX_LAPIC_NMIS 16

/* Generic Address Structure (ACPI 6.5 §5.2.3.2). */
struct acpi_gas {
	uint8_t space_id;        /* 0 = system memory, 1 = system I/O */
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;
	uint64_t address;
};

struct acpi_cpu {
	uint32_t apic_id;
	uint32_t uid;
	bool enabled;            /* enabled or online-capable */
};

struct acpi_ioapic {
	uint32_t id;
	uint32_t address;
	uint32_t gsi_base;
};

struct acpi_override {           /* Interrupt Source Override */
	uint8_t bus;
	uint8_t source;          /* ISA IRQ */
	uint32_t gsi;
	uint16_t flags;          /* MPS INTI flags: polarity, trigger mode */
};

struct acpi_lapic_nmi {          /* Local APIC NMI (MADT types 4 and 0xA) */
	uint32_t uid;            /* ACPI processor UID; ACPI_NMI_ALL_CPUS = every CPU */
	uint16_t flags;          /* MPS INTI flags */
	uint8_t lint;            /* 0 = LINT0, 1 = LINT1 */
};
#define ACPI_NMI_ALL_CPUS 0xFFFFFFFFu

struct acpi_table_ref {
	char signature[5];
	uint64_t address;
	uint32_t length;
	bool checksum_ok;
};

struct acpi_info {
	bool present;
	uint8_t revision;                  /* RSDP revision */
	char oem_id[7];
	uint64_t rsdp_addr;
	uint64_t root_addr;                /* XSDT, or RSDT when no XSDT */
	bool root_is_xsdt;

	unsigned table_count;
	struct acpi_table_ref tables[ACPI_MAX_TABLES];
	unsigned tables_unlisted;          /* seen (and used) but beyond tables[] */

	/* MADT */
	bool has_madt;
	uint64_t lapic_addr;
	bool pcat_compat;                  /* dual 8259s present */
	unsigned cpu_count;                /* entries, enabled or not */
	struct acpi_cpu cpus[ACPI_MAX_CPUS];
	unsigned ioapic_count;
	struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
	unsigned override_count;
	struct acpi_override overrides[ACPI_MAX_OVERRIDES];
	unsigned lapic_nmi_count;
	struct acpi_lapic_nmi lapic_nmis[ACPI_MAX_LAPIC_NMIS];

	/* FADT */
	bool has_fadt;
	uint8_t fadt_revision;
	uint32_t fadt_flags;                   /* FADT Flags (ACPI 6.5 §5.2.9) */
	uint16_t sci_int;                      /* SCI interrupt (8259 IRQ / GSI) */
	uint32_t pm1a_cnt_blk, pm1b_cnt_blk;   /* I/O ports (0 = none) */
	uint32_t pm_tmr_blk;                   /* PM timer I/O port (0 = none) */
	bool pm_tmr_32bit;
	bool reset_supported;
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint16_t iapc_boot_arch;
	uint32_t smi_cmd;
	uint8_t acpi_enable;
	uint64_t dsdt_addr;
	bool s5_valid;                     /* \_S5 package found in the DSDT */
	uint8_t slp_typa, slp_typb;

	/* HPET */
	bool has_hpet;
	uint64_t hpet_addr;
};

/* Read 'len' bytes of physical memory at 'pa' into 'dst'. Returns false if
 * the range is not readable (the parser then treats the table as bad). */
typedef bool (*acpi_read_fn)(void *ctx, uint64_t pa, void *dst, size_t len);

/* Parse from an RSDP at rsdp_addr, or from a copy of it (rsdp_copy non-NULL,
 * e.g. a multiboot 2 tag), in which case rsdp_addr may be 0. Fills *out.
 * Returns 0, or -ENOENT (no valid RSDP) / -EINVAL (root table bad). Tables
 * that fail their checksum are listed but not used; problems are logged. */
int acpi_parse(struct acpi_info *out, uint64_t rsdp_addr, const void *rsdp_copy,
	       size_t copy_len, acpi_read_fn read, void *ctx);
/* Find an RSDP in a memory window (the EBDA's first KiB, 0xE0000-0xFFFFF):
 * 16-byte aligned "RSD PTR " with a valid checksum. Returns address or 0. */
uint64_t acpi_scan_rsdp(uint64_t start, uint64_t len, acpi_read_fn read, void *ctx);
/* Find the \_S5 package (Name(_S5_, Package(){SLP_TYPa, SLP_TYPb, ...})) in
 * a window of AML bytes aml[0, len) and decode its first two integers. Only
 * declarations whose NameOp starts before scan_len are considered (the rest
 * of the window is look-ahead, so a caller can scan a big DSDT in
 * overlapping windows); every read stays inside [0, len). Returns 0, -ENOENT
 * (no \_S5 package declaration) or -EINVAL (malformed; logged).
 * (drivers/acpi/acpi_aml_s5.c, pure) */
int acpi_aml_find_s5(const uint8_t *aml, size_t len, size_t scan_len,
		     uint8_t *slp_typa, uint8_t *slp_typb);

/* Kernel side (drivers/acpi/acpi.c): the parsed tables of this machine. */
extern struct acpi_info acpi;
/* Find the RSDP (loader copy, loader address, then the BIOS areas), parse
 * and log the tables. Returns 0, or a negative error when there is no usable
 * ACPI; then acpi.present is false and acpi describes one enabled CPU, the
 * bootstrap processor (APIC ID from CPUID, LAPIC base from IA32_APIC_BASE). */
int acpi_init(const struct boot_info *bi);
/* Power off through FADT PM1 control (SLP_TYPx from \_S5, SLP_EN), then the
 * emulator exits; returns only if everything failed. */
void acpi_poweroff(void);
/* Reset through the FADT reset register, then port 0xCF9, then the 8042;
 * returns only if everything failed. */
void acpi_reboot(void);

#endif
