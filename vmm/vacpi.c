/* vacpi.c - per-VM ACPI tables (see vacpi.h). Every table is laid out
 * byte by byte at the offsets of its ACPI 6.5 table definition, with the
 * checksum making the bytes of the table sum to 0 (§5.2.6). */
#include <plinth/log.h>
#include <plinth/string.h>
#include <plinth/le_bytes.h>
#include "vacpi.h"

#define HDR_LEN       36          /* System Description Table Header (§5.2.6) */
#define RSDP_LEN      36
#define FADT_LEN      276         /* revision 6 (§5.2.9, Table 5.9) */
#define FACS_LEN      64
#define MADT_LAPIC    0
#define MADT_IOAPIC   1
#define MADT_ISO      2
#define MADT_NMI      4

/* MPS INTI flags (§5.2.12.5, Table 5.26): polarity 1:0, trigger 3:2. */
#define INTI_ACTIVE_HIGH 0x1
#define INTI_ACTIVE_LOW  0x3
#define INTI_EDGE        (0x1 << 2)
#define INTI_LEVEL       (0x3 << 2)

/* FADT Flags (Table 5.10). */
#define FADT_WBINVD        BIT(0)
#define FADT_PROC_C1       BIT(2)
#define FADT_PWR_BUTTON    BIT(4)   /* 1: no fixed-feature power button */
#define FADT_SLP_BUTTON    BIT(5)   /* 1: no fixed-feature sleep button */
#define FADT_TMR_VAL_EXT   BIT(8)   /* the PM timer is 32 bits */
#define FADT_RESET_REG_SUP BIT(10)
/* IA-PC boot architecture flags (Table 5.11): ISA devices the user can
 * reach (COM1) and an 8042 (vmm/vi8042.c) are there; no VGA; MSI not
 * supported: no device of the VM can send one (the PCI bus holds only the
 * host bridge, and nothing would turn a device's write to 0xFEExxxxx into
 * a local APIC interrupt), so the OS must not enable it. */
#define BOOT_ARCH_LEGACY_DEVICES BIT(0)
#define BOOT_ARCH_8042           BIT(1)
#define BOOT_ARCH_VGA_ABSENT     BIT(2)
#define BOOT_ARCH_MSI_ABSENT     BIT(3)

struct out {
	uint8_t *buf;
	size_t size, len;
	bool overflow;
};

/* Reserve len bytes aligned to align; the offset, or 0 on overflow (the
 * RSDP is the only thing at offset 0). */
static size_t take(struct out *o, size_t len, size_t align)
{
	size_t at = (o->len + align - 1) & ~(align - 1);

	if (at + len > o->size) {
		o->overflow = true;
		return 0;
	}
	memset(o->buf + at, 0, len);
	o->len = at + len;
	return at;
}

static void put8(uint8_t *p, size_t off, uint8_t v) { p[off] = v; }

static uint8_t checksum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	return (uint8_t)-sum;
}

/* The common header; the checksum is set by finish(). */
static void header(uint8_t *t, const char sig[4], uint32_t len, uint8_t revision)
{
	memcpy(t, sig, 4);
	le_put32(t, 4, len);
	put8(t, 8, revision);
	memcpy(t + 10, "PLINTH", 6);
	memcpy(t + 16, "PLINTHVM", 8);
	le_put32(t, 24, 1);               /* OEM revision */
	memcpy(t + 28, "PLTH", 4);     /* creator ID */
	le_put32(t, 32, 1);               /* creator revision */
}

static void finish(uint8_t *t, uint32_t len)
{
	t[9] = 0;
	t[9] = checksum(t, len);
}

/* Generic Address Structure (§5.2.3.2) for an I/O port block. */
static void gas_io(uint8_t *p, size_t off, uint16_t port, uint8_t bits, uint8_t access)
{
	put8(p, off, 1);               /* system I/O space */
	put8(p, off + 1, bits);
	put8(p, off + 2, 0);
	put8(p, off + 3, access);      /* 1 byte, 2 word, 3 dword */
	le_put64(p, off + 4, port);
}

static void build_fadt(uint8_t *f, uint32_t facs, uint32_t dsdt, const struct vacpi_config *c)
{
	uint16_t evt = (uint16_t)(c->pm_base + VACPI_PM1_EVT_OFF);
	uint16_t cnt = (uint16_t)(c->pm_base + VACPI_PM1_CNT_OFF);
	uint16_t tmr = (uint16_t)(c->pm_base + VACPI_PM_TMR_OFF);

	header(f, "FACP", FADT_LEN, 6);
	le_put32(f, 36, facs);            /* FIRMWARE_CTRL */
	le_put32(f, 40, dsdt);
	le_put16(f, 46, c->sci_irq);      /* SCI_INT */
	/* SMI_CMD 0: the machine is always in ACPI mode (SCI_EN reads 1). */
	le_put32(f, 56, evt);             /* PM1a_EVT_BLK */
	le_put32(f, 64, cnt);             /* PM1a_CNT_BLK */
	le_put32(f, 76, tmr);             /* PM_TMR_BLK */
	put8(f, 88, 4);                /* PM1_EVT_LEN */
	put8(f, 89, 2);                /* PM1_CNT_LEN */
	put8(f, 91, 4);                /* PM_TMR_LEN */
	le_put16(f, 96, 101);             /* P_LVL2_LAT > 100: no C2 */
	le_put16(f, 98, 1001);            /* P_LVL3_LAT > 1000: no C3 */
	put8(f, 108, 0x32);            /* CENTURY: the RTC's CMOS byte */
	le_put16(f, 109, BOOT_ARCH_LEGACY_DEVICES | BOOT_ARCH_8042 | BOOT_ARCH_VGA_ABSENT |
			      BOOT_ARCH_MSI_ABSENT);
	le_put32(f, 112, FADT_WBINVD | FADT_PROC_C1 | FADT_PWR_BUTTON | FADT_SLP_BUTTON |
			      FADT_TMR_VAL_EXT | FADT_RESET_REG_SUP);
	gas_io(f, 116, VACPI_RESET_PORT, 8, 1);
	put8(f, 128, VACPI_RESET_VALUE);
	put8(f, 131, 5);               /* FADT minor version: ACPI 6.5 */
	le_put64(f, 132, facs);           /* X_FIRMWARE_CTRL */
	le_put64(f, 140, dsdt);           /* X_DSDT */
	gas_io(f, 148, evt, 32, 2);    /* X_PM1a_EVT_BLK */
	gas_io(f, 172, cnt, 16, 2);    /* X_PM1a_CNT_BLK */
	gas_io(f, 208, tmr, 32, 3);    /* X_PM_TMR_BLK */
	finish(f, FADT_LEN);
}

/* DSDT AML (§20): Name (\_S5, Package (4) { 5, 5, 0, 0 }), then the
 * devices a PC's DSDT names, so the guest's PnP and PCI code find them:
 *   Scope (\_SB) {
 *     Device (PCI0) {               // the PCI root bridge (vmm/vpci.c)
 *       Name (_HID, EisaId ("PNP0A03"))
 *       Name (_UID, Zero)
 *       Name (_CRS, ResourceTemplate () {
 *         WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode,
 *                        0, 0x00, 0xFF, 0, 0x100)
 *         IO (Decode16, 0xCF8, 0xCF8, 1, 8)        // configuration mechanism #1
 *         WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange,
 *                 0, 0x0000, 0x0CF7, 0, 0x0CF8)
 *         WordIO (..., 0, 0x0D00, 0xFFFF, 0, 0xF300)
 *         DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, Cacheable,
 *                      ReadWrite, 0, 0xA0000, 0xBFFFF, 0, 0x20000)
 *         DWordMemory (..., NonCacheable, ReadWrite, 0, 0xC0000000, 0xFEBFFFFF,
 *                      0, 0x3EC00000)     // above guest RAM (at most 1 GiB)
 *       })
 *     }
 *     Device (RTC_) { Name (_HID, EisaId ("PNP0B00"))      // the CMOS RTC
 *       Name (_CRS, ResourceTemplate () { IO (Decode16, 0x70, 0x70, 1, 2) IRQNoFlags () {8} }) }
 *     Device (COM1) { Name (_HID, EisaId ("PNP0501")) Name (_UID, One)
 *       Name (_CRS, ResourceTemplate () { IO (Decode16, 0x3F8, 0x3F8, 1, 8) IRQNoFlags () {4} }) }
 *   }
 * (encodings: §20.2 for AML, §6.4 for the resource descriptors; the
 * devices' PkgLengths count their own bytes, §20.2.4). */
static const uint8_t dsdt_aml[] = {
	0x08, '\\', '_', 'S', '5', '_',      /* NameOp, root-prefixed NameString */
	0x12, 0x08, 0x04,                    /* PackageOp, PkgLength 8, NumElements 4 */
	0x0A, VACPI_SLP_TYP_S5,              /* BytePrefix SLP_TYPa */
	0x0A, VACPI_SLP_TYP_S5,              /* BytePrefix SLP_TYPb */
	0x00, 0x00,                          /* ZeroOp, ZeroOp */
	0x10, 0x4B, 0x0E, 0x5C, 0x5F, 0x53, 0x42, 0x5F, 0x5B, 0x82, 0x4E, 0x08,
	0x50, 0x43, 0x49, 0x30, 0x08, 0x5F, 0x48, 0x49, 0x44, 0x0C, 0x41, 0xD0,
	0x0A, 0x03, 0x08, 0x5F, 0x55, 0x49, 0x44, 0x00, 0x08, 0x5F, 0x43, 0x52,
	0x53, 0x11, 0x42, 0x07, 0x0A, 0x6E, 0x88, 0x0D, 0x00, 0x02, 0x0C, 0x00,
	0x00, 0x00, 0x00, 0x00, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x01, 0x47, 0x01,
	0xF8, 0x0C, 0xF8, 0x0C, 0x01, 0x08, 0x88, 0x0D, 0x00, 0x01, 0x0C, 0x03,
	0x00, 0x00, 0x00, 0x00, 0xF7, 0x0C, 0x00, 0x00, 0xF8, 0x0C, 0x88, 0x0D,
	0x00, 0x01, 0x0C, 0x03, 0x00, 0x00, 0x00, 0x0D, 0xFF, 0xFF, 0x00, 0x00,
	0x00, 0xF3, 0x87, 0x17, 0x00, 0x00, 0x0C, 0x03, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x0A, 0x00, 0xFF, 0xFF, 0x0B, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x02, 0x00, 0x87, 0x17, 0x00, 0x00, 0x0C, 0x01, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0xC0, 0xFF, 0xFF, 0xBF, 0xFE, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0xC0, 0x3E, 0x79, 0x00, 0x5B, 0x82, 0x25, 0x52,
	0x54, 0x43, 0x5F, 0x08, 0x5F, 0x48, 0x49, 0x44, 0x0C, 0x41, 0xD0, 0x0B,
	0x00, 0x08, 0x5F, 0x43, 0x52, 0x53, 0x11, 0x10, 0x0A, 0x0D, 0x47, 0x01,
	0x70, 0x00, 0x70, 0x00, 0x01, 0x02, 0x22, 0x00, 0x01, 0x79, 0x00, 0x5B,
	0x82, 0x2B, 0x43, 0x4F, 0x4D, 0x31, 0x08, 0x5F, 0x48, 0x49, 0x44, 0x0C,
	0x41, 0xD0, 0x05, 0x01, 0x08, 0x5F, 0x55, 0x49, 0x44, 0x01, 0x08, 0x5F,
	0x43, 0x52, 0x53, 0x11, 0x10, 0x0A, 0x0D, 0x47, 0x01, 0xF8, 0x03, 0xF8,
	0x03, 0x01, 0x08, 0x22, 0x10, 0x00, 0x79, 0x00,
	/* A second Scope (\_SB) (a Scope reopens the namespace, §19.6.122)
	 * with the 8042's two devices, as a PC's DSDT names them so the
	 * guest's PnP probe finds the controller (Linux's i8042 driver
	 * trusts PnP when the FADT says an 8042 is there):
	 *   Device (PS2K) { Name (_HID, EisaId ("PNP0303"))
	 *     Name (_CRS, ResourceTemplate () { IO (Decode16, 0x60, 0x60, 1, 1)
	 *       IO (Decode16, 0x64, 0x64, 1, 1) IRQNoFlags () {1} }) }
	 *   Device (PS2M) { Name (_HID, EisaId ("PNP0F13"))
	 *     Name (_CRS, ResourceTemplate () { IRQNoFlags () {12} }) } */
	0x10, 0x45, 0x05, '\\', '_', 'S', 'B', '_',   /* ScopeOp, PkgLength 85 */
	0x5B, 0x82, 0x2D, 'P', 'S', '2', 'K',        /* DeviceOp, PkgLength 45 */
	0x08, '_', 'H', 'I', 'D', 0x0C, 0x41, 0xD0, 0x03, 0x03,    /* EISA "PNP0303" */
	0x08, '_', 'C', 'R', 'S', 0x11, 0x18, 0x0A, 0x15,          /* Buffer (21) */
	0x47, 0x01, 0x60, 0x00, 0x60, 0x00, 0x01, 0x01,            /* IO 0x60, 1 port */
	0x47, 0x01, 0x64, 0x00, 0x64, 0x00, 0x01, 0x01,            /* IO 0x64, 1 port */
	0x22, 0x02, 0x00,                                          /* IRQ mask: 1 */
	0x79, 0x00,                                                /* End tag */
	0x5B, 0x82, 0x1D, 'P', 'S', '2', 'M',        /* DeviceOp, PkgLength 29 */
	0x08, '_', 'H', 'I', 'D', 0x0C, 0x41, 0xD0, 0x0F, 0x13,    /* EISA "PNP0F13" */
	0x08, '_', 'C', 'R', 'S', 0x11, 0x08, 0x0A, 0x05,          /* Buffer (5) */
	0x22, 0x00, 0x10,                                          /* IRQ mask: 12 */
	0x79, 0x00,
};

static uint32_t madt_len(unsigned nr_cpus)
{
	return 44 + 8 * nr_cpus + 12 + 2 * 10 + 6;
}

static void build_madt(uint8_t *m, const struct vacpi_config *c)
{
	uint32_t len = madt_len(c->nr_cpus);
	size_t at = 44;

	header(m, "APIC", len, 5);
	le_put32(m, 36, c->lapic_addr);
	le_put32(m, 40, 1);               /* PCAT_COMPAT: the 8259 pair is there too */
	for (unsigned i = 0; i < c->nr_cpus; i++, at += 8) {
		put8(m, at, MADT_LAPIC);
		put8(m, at + 1, 8);
		put8(m, at + 2, (uint8_t)i);   /* ACPI processor UID */
		put8(m, at + 3, (uint8_t)i);   /* APIC ID */
		le_put32(m, at + 4, 1);           /* enabled */
	}
	put8(m, at, MADT_IOAPIC);
	put8(m, at + 1, 12);
	put8(m, at + 2, c->ioapic_id);
	le_put32(m, at + 4, c->ioapic_addr);
	le_put32(m, at + 8, 0);               /* GSI base */
	at += 12;
	/* ISA IRQ 0 (the PIT) is wired to pin 2 (§5.2.12.5). */
	put8(m, at, MADT_ISO);
	put8(m, at + 1, 10);
	put8(m, at + 2, 0);                /* bus: ISA */
	put8(m, at + 3, 0);
	le_put32(m, at + 4, 2);
	le_put16(m, at + 8, 0);               /* conforms to the bus: edge, high */
	at += 10;
	/* The SCI is level-triggered, active low (§5.2.12.5 note). */
	put8(m, at, MADT_ISO);
	put8(m, at + 1, 10);
	put8(m, at + 2, 0);
	put8(m, at + 3, c->sci_irq);
	le_put32(m, at + 4, c->sci_irq);
	le_put16(m, at + 8, INTI_LEVEL | INTI_ACTIVE_LOW);
	at += 10;
	/* LINT1 of every processor is the NMI input (§5.2.12.7). */
	put8(m, at, MADT_NMI);
	put8(m, at + 1, 6);
	put8(m, at + 2, 0xFF);             /* all processors */
	le_put16(m, at + 3, INTI_EDGE | INTI_ACTIVE_HIGH);
	put8(m, at + 5, 1);
	finish(m, len);
}

int vacpi_build(uint8_t *buf, size_t size, uint64_t base_gpa, const struct vacpi_config *c)
{
	struct out o = { .buf = buf, .size = size };
	size_t rsdp, rsdt, xsdt, fadt, facs, dsdt, madt;
	uint32_t dsdt_len = HDR_LEN + sizeof(dsdt_aml);

	if (!c->nr_cpus || c->nr_cpus > VACPI_MAX_CPUS || (base_gpa & 15) ||
	    base_gpa + size > 0x100000000ull) {
		pr_err("vacpi: bad table configuration (%u CPUs, base 0x%llx)", c->nr_cpus,
		       (unsigned long long)base_gpa);
		return -EINVAL;
	}
	rsdp = take(&o, RSDP_LEN, 16);
	rsdt = take(&o, HDR_LEN + 2 * 4, 16);
	xsdt = take(&o, HDR_LEN + 2 * 8, 16);
	fadt = take(&o, FADT_LEN, 16);
	facs = take(&o, FACS_LEN, 64);     /* FACS must be 64-byte aligned */
	dsdt = take(&o, dsdt_len, 16);
	madt = take(&o, madt_len(c->nr_cpus), 16);
	if (o.overflow)
		return -ENOSPC;
	(void)rsdp;

	/* FACS (§5.2.10, Table 5.14): signature, length, version 2. */
	memcpy(buf + facs, "FACS", 4);
	le_put32(buf + facs, 4, FACS_LEN);
	put8(buf + facs, 32, 2);

	header(buf + dsdt, "DSDT", dsdt_len, 2);
	memcpy(buf + dsdt + HDR_LEN, dsdt_aml, sizeof(dsdt_aml));
	finish(buf + dsdt, dsdt_len);

	build_fadt(buf + fadt, (uint32_t)(base_gpa + facs), (uint32_t)(base_gpa + dsdt), c);
	build_madt(buf + madt, c);

	header(buf + rsdt, "RSDT", HDR_LEN + 8, 1);
	le_put32(buf + rsdt, HDR_LEN, (uint32_t)(base_gpa + fadt));
	le_put32(buf + rsdt, HDR_LEN + 4, (uint32_t)(base_gpa + madt));
	finish(buf + rsdt, HDR_LEN + 8);

	header(buf + xsdt, "XSDT", HDR_LEN + 16, 1);
	le_put64(buf + xsdt, HDR_LEN, base_gpa + fadt);
	le_put64(buf + xsdt, HDR_LEN + 8, base_gpa + madt);
	finish(buf + xsdt, HDR_LEN + 16);

	/* RSDP (§5.2.5.3): revision 2; the first checksum covers the ACPI
	 * 1.0 part (20 bytes), the extended one all 36. */
	memcpy(buf, "RSD PTR ", 8);
	memcpy(buf + 9, "PLINTH", 6);
	put8(buf, 15, 2);
	le_put32(buf, 16, (uint32_t)(base_gpa + rsdt));
	le_put32(buf, 20, RSDP_LEN);
	le_put64(buf, 24, base_gpa + xsdt);
	buf[8] = checksum(buf, 20);
	buf[32] = checksum(buf, RSDP_LEN);
	return (int)o.len;
}
