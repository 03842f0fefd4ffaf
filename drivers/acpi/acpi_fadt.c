/* acpi_fadt.c - the Fixed ACPI Description Table (ACPI 6.5 §5.2.9): PM1
 * control and PM timer ports, the reset register, SMI_CMD/ACPI_ENABLE,
 * IAPC_BOOT_ARCH and where the DSDT is. The FADT grew with each ACPI
 * revision (116 bytes in ACPI 1.0, 244 in 2.0, 276 in 6.x), so every field
 * is read only when the table's length covers it; fields of a short table
 * read as zero. Pure. */
#include <plinth/acpi.h>
#include <plinth/log.h>
#include <plinth/string.h>

#include "acpi_internal.h"

/* Field offsets (ACPI 6.5 §5.2.9, the FADT format table). */
#define FADT_DSDT            40      /* 32-bit DSDT address */
#define FADT_SCI_INT         46
#define FADT_SMI_CMD         48
#define FADT_ACPI_ENABLE     52
#define FADT_PM1A_CNT_BLK    64
#define FADT_PM1B_CNT_BLK    68
#define FADT_PM_TMR_BLK      76
#define FADT_PM_TMR_LEN      91
#define FADT_IAPC_BOOT_ARCH  109
#define FADT_FLAGS           112
#define FADT_RESET_REG       116     /* GAS, ACPI 2.0+ */
#define FADT_RESET_VALUE     128
#define FADT_X_DSDT          140
#define FADT_X_PM1A_CNT_BLK  172
#define FADT_X_PM1B_CNT_BLK  184
#define FADT_X_PM_TMR_BLK    208
#define FADT_KNOWN_LEN       276     /* ACPI 6.5 size; later bytes are not read */
#define FADT_V1_LEN          116     /* the ACPI 1.0 table ends after Flags */

/* Fixed feature flags (ACPI 6.5 §5.2.9, "FADT Fixed Feature Flags"). */
#define FADT_F_TMR_VAL_EXT   BIT(8)  /* PM timer is 32 bits, not 24 */
#define FADT_F_RESET_REG_SUP BIT(10) /* RESET_REG/RESET_VALUE are valid */

/* Generic Address Structure address spaces (ACPI 6.5 §5.2.3.2). */
#define GAS_SYSTEM_MEMORY    0
#define GAS_SYSTEM_IO        1
#define GAS_PCI_CONFIG       2

/* True when a field of 'size' bytes at 'off' lies inside the table. */
static bool fadt_has(uint32_t len, uint32_t off, uint32_t size)
{
	return off + size <= len;
}

/* An I/O port block given both as a 32-bit field and (ACPI 2.0+) an X_ GAS.
 * The X_ form wins when its address is non-zero (ACPI 6.5 §5.2.9: "if
 * non-zero, this field is used instead of ..."); it must be in system I/O
 * space below 64 KiB, as these blocks are ports on PC-AT hardware. Returns
 * the port, or 0 for none. */
static uint32_t fadt_port(const uint8_t *f, uint32_t len, uint32_t legacy_off,
			  uint32_t x_off, const char *name)
{
	uint32_t legacy = fadt_has(len, legacy_off, 4) ? acpi_get32(f + legacy_off) : 0;

	if (fadt_has(len, x_off, 12)) {
		struct acpi_gas gas;
		acpi_get_gas(&gas, f + x_off);
		if (gas.address != 0) {
			if (gas.space_id == GAS_SYSTEM_IO && gas.address <= 0xFFFF)
				return (uint32_t)gas.address;
			pr_warn("ACPI: FADT X_%s (space %u, 0x%llx) is not an I/O port; using %s 0x%x",
				name, gas.space_id, (unsigned long long)gas.address, name, legacy);
		}
	}
	if (legacy > 0xFFFF) {
		pr_warn("ACPI: FADT %s 0x%x is not an I/O port; ignored", name, legacy);
		return 0;
	}
	return legacy;
}

/* The reset register (ACPI 6.5 §4.8.3.6, §5.2.9): usable when RESET_REG_SUP
 * is set, the table is long enough and the GAS names memory, I/O or PCI
 * configuration space at a non-zero address. */
static void fadt_reset(struct acpi_info *out, const uint8_t *f, uint32_t len)
{
	if (!(out->fadt_flags & FADT_F_RESET_REG_SUP))
		return;
	if (!fadt_has(len, FADT_RESET_VALUE, 1)) {
		pr_warn("ACPI: FADT sets RESET_REG_SUP but is only %u bytes; no reset register", len);
		return;
	}
	acpi_get_gas(&out->reset_reg, f + FADT_RESET_REG);
	out->reset_value = f[FADT_RESET_VALUE];
	switch (out->reset_reg.space_id) {
	case GAS_SYSTEM_MEMORY:
	case GAS_SYSTEM_IO:
	case GAS_PCI_CONFIG:
		break;
	default:
		pr_warn("ACPI: FADT reset register in address space %u; not supported",
			out->reset_reg.space_id);
		return;
	}
	if (out->reset_reg.address == 0) {
		pr_warn("ACPI: FADT reset register at address 0; not used");
		return;
	}
	if (out->reset_reg.space_id == GAS_SYSTEM_IO && out->reset_reg.address > 0xFFFF) {
		pr_warn("ACPI: FADT reset register port 0x%llx out of range; not used",
			(unsigned long long)out->reset_reg.address);
		return;
	}
	out->reset_supported = true;
}

void acpi_parse_fadt(struct acpi_info *out, const struct acpi_src *src, uint64_t addr,
		     uint32_t len)
{
	uint8_t f[FADT_KNOWN_LEN];

	memset(f, 0, sizeof(f));
	if (!acpi_src_read(src, addr, f, MIN((size_t)len, sizeof(f))))
		return;
	if (len > FADT_KNOWN_LEN)
		len = FADT_KNOWN_LEN;           /* fields beyond are unknown to us */
	if (len < FADT_V1_LEN)
		pr_warn("ACPI: FADT is only %u bytes (ACPI 1.0 has %u); fields past the end read as 0",
			len, FADT_V1_LEN);

	out->has_fadt = true;
	out->fadt_revision = f[ACPI_HDR_REVISION_OFF];
	if (fadt_has(len, FADT_FLAGS, 4))
		out->fadt_flags = acpi_get32(f + FADT_FLAGS);
	if (fadt_has(len, FADT_SCI_INT, 2))
		out->sci_int = acpi_get16(f + FADT_SCI_INT);
	if (fadt_has(len, FADT_SMI_CMD, 4))
		out->smi_cmd = acpi_get32(f + FADT_SMI_CMD);
	if (fadt_has(len, FADT_ACPI_ENABLE, 1))
		out->acpi_enable = f[FADT_ACPI_ENABLE];
	/* IA-PC boot architecture flags (legacy devices, 8042, VGA, CMOS RTC);
	 * reserved (zero) in ACPI 1.0 tables. */
	if (fadt_has(len, FADT_IAPC_BOOT_ARCH, 2))
		out->iapc_boot_arch = acpi_get16(f + FADT_IAPC_BOOT_ARCH);

	/* X_DSDT replaces DSDT when non-zero (ACPI 6.5 §5.2.9). */
	uint64_t dsdt = fadt_has(len, FADT_DSDT, 4) ? acpi_get32(f + FADT_DSDT) : 0;
	uint64_t x_dsdt = fadt_has(len, FADT_X_DSDT, 8) ? acpi_get64(f + FADT_X_DSDT) : 0;
	if (x_dsdt && dsdt && x_dsdt != dsdt)
		pr_debug("ACPI: FADT DSDT 0x%llx and X_DSDT 0x%llx differ; using X_DSDT",
			 (unsigned long long)dsdt, (unsigned long long)x_dsdt);
	out->dsdt_addr = x_dsdt ? x_dsdt : dsdt;

	out->pm1a_cnt_blk = fadt_port(f, len, FADT_PM1A_CNT_BLK, FADT_X_PM1A_CNT_BLK, "PM1a_CNT_BLK");
	out->pm1b_cnt_blk = fadt_port(f, len, FADT_PM1B_CNT_BLK, FADT_X_PM1B_CNT_BLK, "PM1b_CNT_BLK");
	out->pm_tmr_blk = fadt_port(f, len, FADT_PM_TMR_BLK, FADT_X_PM_TMR_BLK, "PM_TMR_BLK");
	/* PM_TMR_LEN must be 4 when there is a PM timer (§5.2.9). */
	if (out->pm_tmr_blk && fadt_has(len, FADT_PM_TMR_LEN, 1) && f[FADT_PM_TMR_LEN] != 4) {
		pr_warn("ACPI: FADT PM_TMR_LEN is %u, not 4; PM timer not used", f[FADT_PM_TMR_LEN]);
		out->pm_tmr_blk = 0;
	}
	out->pm_tmr_32bit = out->pm_tmr_blk && (out->fadt_flags & FADT_F_TMR_VAL_EXT);

	fadt_reset(out, f, len);
}
