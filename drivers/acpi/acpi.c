/* acpi.c - this machine's ACPI tables, read once at boot: find the RSDP
 * (loader copy, loader-given address, then the BIOS areas of ACPI 6.5
 * §5.2.5.1), parse everything through the direct map with the pure parser
 * (acpi_parse.c) and log what was found. Without usable ACPI the machine is
 * described as one CPU, the bootstrap processor, and boot goes on. */
#include <plinth/acpi.h>
#include <plinth/boot_info.h>
#include <plinth/log.h>
#include <plinth/mm.h>
#include <plinth/printf.h>
#include <plinth/string.h>
#include <x86/cpu.h>

struct acpi_info acpi;

/* Where a BIOS leaves the RSDP (ACPI 6.5 §5.2.5.1): the first KiB of the
 * Extended BIOS Data Area, whose real-mode segment is the 16-bit word at
 * physical 0x40E, and the BIOS read-only area 0xE0000-0xFFFFF. */
#define BDA_EBDA_SEGMENT  0x40E
#define EBDA_SCAN_LEN     1024
#define EBDA_LOWEST       0x80000ULL     /* the EBDA sits just below 640 KiB */
#define EBDA_END          0xA0000ULL
#define BIOS_AREA_START   0xE0000ULL
#define BIOS_AREA_LEN     0x20000ULL

#define APIC_BASE_ADDR_MASK 0x000FFFFFFFFFF000ULL   /* IA32_APIC_BASE[51:12] */

struct phys_reader {
	const struct boot_info *bi;
};

/* The direct map covers 0..4 GiB and every range of the memory map
 * (<plinth/mm.h>); anything else would fault, so it is refused. Ranges in
 * bi->mem are sorted and disjoint, so adjacent ones are walked in order. */
static bool phys_readable(const struct boot_info *bi, uint64_t pa, size_t len)
{
	uint64_t end = pa + len;

	if (end < pa)
		return false;
	if (end <= 4 * GiB)
		return true;
	uint64_t covered = pa;
	for (uint32_t i = 0; i < bi->mem_count && i < BOOT_MAX_MEM_RANGES; i++) {
		uint64_t base = bi->mem[i].base;
		uint64_t top = base + bi->mem[i].length;
		if (top < base)
			top = UINT64_MAX;
		if (base <= covered && covered < top)
			covered = top;
		if (covered >= end)
			return true;
	}
	return false;
}

/* acpi_read_fn over the direct map. */
static bool read_phys(void *ctx, uint64_t pa, void *dst, size_t len)
{
	const struct phys_reader *r = ctx;

	if (!phys_readable(r->bi, pa, len))
		return false;
	memcpy(dst, phys_to_virt(pa), len);
	return true;
}

/* Scan the EBDA's first KiB, then 0xE0000-0xFFFFF. Returns the RSDP's
 * address or 0. */
static uint64_t scan_bios_areas(struct phys_reader *r)
{
	uint8_t seg[2];
	uint64_t rsdp = 0;

	if (read_phys(r, BDA_EBDA_SEGMENT, seg, sizeof(seg))) {
		uint64_t ebda = (uint64_t)(seg[0] | (seg[1] << 8)) << 4;
		if (ebda >= EBDA_LOWEST && ebda < EBDA_END)
			rsdp = acpi_scan_rsdp(ebda, EBDA_SCAN_LEN, read_phys, r);
	}
	if (!rsdp)
		rsdp = acpi_scan_rsdp(BIOS_AREA_START, BIOS_AREA_LEN, read_phys, r);
	return rsdp;
}

/* Without a MADT, list the one CPU running this code: its APIC ID
 * (CPUID.01H:EBX[31:24], Intel SDM vol. 2A CPUID) and LAPIC base
 * (IA32_APIC_BASE, Intel SDM vol. 3A §11.4.4). */
static void describe_bsp_only(void)
{
	uint32_t a, b, c, d;

	cpuid(1, &a, &b, &c, &d);
	acpi.cpu_count = 1;
	acpi.cpus[0].apic_id = b >> 24;
	acpi.cpus[0].uid = 0;
	acpi.cpus[0].enabled = true;
	acpi.lapic_addr = rdmsr(MSR_IA32_APIC_BASE) & APIC_BASE_ADDR_MASK;
}

static const char *gas_space_name(uint8_t space)
{
	switch (space) {
	case 0: return "memory";
	case 1: return "I/O";
	case 2: return "PCI config";
	default: return "?";
	}
}

static void print_tables(void)
{
	unsigned enabled = 0;

	if (acpi.rsdp_addr)
		pr_info("ACPI: RSDP rev %u at 0x%llx, OEM '%s', %s at 0x%llx", acpi.revision,
			(unsigned long long)acpi.rsdp_addr, acpi.oem_id,
			acpi.root_is_xsdt ? "XSDT" : "RSDT", (unsigned long long)acpi.root_addr);
	else
		pr_info("ACPI: RSDP rev %u (loader copy), OEM '%s', %s at 0x%llx", acpi.revision,
			acpi.oem_id, acpi.root_is_xsdt ? "XSDT" : "RSDT",
			(unsigned long long)acpi.root_addr);
	for (unsigned i = 0; i < acpi.table_count; i++) {
		const struct acpi_table_ref *t = &acpi.tables[i];
		pr_info("ACPI: %s 0x%llx len %u%s", t->signature, (unsigned long long)t->address,
			t->length, t->checksum_ok ? "" : " (bad, not used)");
	}
	if (acpi.tables_unlisted)
		pr_info("ACPI: ... and %u more tables", acpi.tables_unlisted);

	for (unsigned i = 0; i < acpi.cpu_count; i++)
		enabled += acpi.cpus[i].enabled;
	char hpet[40], pmtmr[40], s5[40];
	if (acpi.has_hpet)
		ksnprintf(hpet, sizeof(hpet), "HPET at 0x%llx", (unsigned long long)acpi.hpet_addr);
	else
		str_copy(hpet, "no HPET", sizeof(hpet));
	if (acpi.pm_tmr_blk)
		ksnprintf(pmtmr, sizeof(pmtmr), "PM timer port 0x%x (%u-bit)", acpi.pm_tmr_blk,
			  acpi.pm_tmr_32bit ? 32 : 24);
	else
		str_copy(pmtmr, "no PM timer", sizeof(pmtmr));
	if (acpi.s5_valid)
		ksnprintf(s5, sizeof(s5), "S5 sleep type %u/%u", acpi.slp_typa, acpi.slp_typb);
	else
		str_copy(s5, "no S5 sleep type", sizeof(s5));
	pr_info("ACPI: %u CPUs (%u enabled), %u IOAPICs, %u overrides, %s, %s, %s",
		acpi.cpu_count, enabled, acpi.ioapic_count, acpi.override_count, hpet, pmtmr, s5);

	if (acpi.has_madt)
		pr_info("ACPI: LAPIC at 0x%llx%s", (unsigned long long)acpi.lapic_addr,
			acpi.pcat_compat ? ", dual 8259s (PCAT_COMPAT)" : "");
	if (acpi.has_fadt) {
		char reset[64];
		if (acpi.reset_supported)
			ksnprintf(reset, sizeof(reset), "%s 0x%llx <- 0x%x",
				  gas_space_name(acpi.reset_reg.space_id),
				  (unsigned long long)acpi.reset_reg.address, acpi.reset_value);
		else
			str_copy(reset, "none", sizeof(reset));
		pr_info("ACPI: FADT rev %u: PM1a_CNT 0x%x, PM1b_CNT 0x%x, SCI %u, SMI_CMD 0x%x, "
			"boot arch 0x%x, reset register %s", acpi.fadt_revision, acpi.pm1a_cnt_blk,
			acpi.pm1b_cnt_blk, acpi.sci_int, acpi.smi_cmd, acpi.iapc_boot_arch, reset);
	}
}

int acpi_init(const struct boot_info *bi)
{
	struct phys_reader r = { bi };
	int rc = -ENOENT;

	if (bi->rsdp_copy_len) {
		size_t n = MIN((size_t)bi->rsdp_copy_len, sizeof(bi->rsdp_copy));
		rc = acpi_parse(&acpi, bi->rsdp_phys, bi->rsdp_copy, n, read_phys, &r);
	}
	if (rc != 0 && bi->rsdp_phys)
		rc = acpi_parse(&acpi, bi->rsdp_phys, NULL, 0, read_phys, &r);
	if (rc != 0) {
		uint64_t rsdp = scan_bios_areas(&r);
		if (rsdp)
			rc = acpi_parse(&acpi, rsdp, NULL, 0, read_phys, &r);
	}
	if (rc != 0) {
		pr_warn("ACPI: no usable ACPI tables (%d); assuming one CPU, no power-off", rc);
		memset(&acpi, 0, sizeof(acpi));
		describe_bsp_only();
		return rc;
	}
	if (!acpi.has_madt) {
		pr_warn("ACPI: no usable MADT; assuming one CPU");
		describe_bsp_only();
	}
	print_tables();
	return 0;
}
