/* acpi_parse.c - the firmware's ACPI tables, from the RSDP down: RSDP
 * (ACPI 6.5 §5.2.5), RSDT/XSDT (§5.2.7, §5.2.8), every table's header,
 * length and checksum (§5.2.6), dispatch to the MADT and FADT parsers, the
 * HPET table (IA-PC HPET spec 1.0a §3.2.4) and the \_S5 search in the DSDT.
 *
 * Pure: all memory is read through an acpi_read_fn, never dereferenced, so
 * a table pointing anywhere (or a length of 4 GiB) costs a refused read, not
 * a fault. Builds for the host (tests/unit/test_acpi.c). */
#include <plinth/acpi.h>
#include <plinth/log.h>
#include <plinth/string.h>

#include "acpi_internal.h"

/* Root System Description Pointer layout (ACPI 6.5 §5.2.5.3). */
#define RSDP_SIGNATURE       "RSD PTR "
#define RSDP_V1_LEN          20      /* ACPI 1.0 structure, covered by 'checksum' */
#define RSDP_V2_LEN          36      /* revision >= 2, covered by 'extended checksum' */
#define RSDP_OEMID_OFF       9
#define RSDP_REVISION_OFF    15
#define RSDP_RSDT_OFF        16
#define RSDP_LENGTH_OFF      20
#define RSDP_XSDT_OFF        24
/* The spec's structure is 36 bytes; allow a little growth, refuse garbage. */
#define RSDP_MAX_LEN         1024

/* More root entries than this is a corrupt table, not a real machine. */
#define ROOT_MAX_ENTRIES     1024

/* HPET description table (IA-PC HPET spec 1.0a §3.2.4). */
#define HPET_BASE_GAS_OFF    40
#define HPET_TABLE_MIN_LEN   56

/* The DSDT is searched for \_S5 in windows of DSDT_WINDOW bytes, each read
 * with DSDT_LOOKAHEAD more so a declaration that starts near the end of a
 * window is decoded whole (NameOp, '\', name, PackageOp, PkgLength,
 * NumElements and two QWordConsts are 30 bytes). */
#define DSDT_WINDOW          448
#define DSDT_LOOKAHEAD       64

bool acpi_src_read(const struct acpi_src *src, uint64_t pa, void *dst, size_t len)
{
	if (len == 0)
		return true;
	if (pa + len < pa)              /* wraps around the address space */
		return false;
	return src->read(src->ctx, pa, dst, len);
}

void acpi_get_gas(struct acpi_gas *gas, const uint8_t *p)
{
	gas->space_id = p[0];
	gas->bit_width = p[1];
	gas->bit_offset = p[2];
	gas->access_size = p[3];
	gas->address = acpi_get64(p + 4);
}

static uint8_t byte_sum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;
	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	return sum;
}

/* Sum of the bytes [addr, addr+len) read in chunks. Returns false if any
 * part cannot be read. */
static bool memory_sum(const struct acpi_src *src, uint64_t addr, uint32_t len, uint8_t *sum)
{
	uint8_t buf[256];
	uint8_t s = 0;

	for (uint32_t off = 0; off < len;) {
		uint32_t n = MIN(len - off, (uint32_t)sizeof(buf));
		if (!acpi_src_read(src, addr + off, buf, n))
			return false;
		s = (uint8_t)(s + byte_sum(buf, n));
		off += n;
	}
	*sum = s;
	return true;
}

/* Copy n bytes of a firmware string, replacing what is not printable ASCII
 * (it goes into log lines), and terminate it. */
static void copy_printable(char *dst, const uint8_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7F) ? (char)src[i] : '?';
	dst[n] = 0;
}

/* Check an RSDP: signature, the ACPI 1.0 checksum over 20 bytes and, for
 * revision >= 2, the length and the extended checksum over 'length' bytes
 * (ACPI 6.5 §5.2.5.3). 'img' holds the first 'avail' (>= 20) bytes; bytes
 * beyond that are read from 'addr' when it is known. Problems are logged at
 * 'level' (a scan of BIOS memory passes LOG_DEBUG: stray matches are normal
 * there). Returns 0 or -ENOENT. */
static int rsdp_validate(const struct acpi_src *src, uint64_t addr, const uint8_t *img,
			 size_t avail, enum log_level level)
{
	if (memcmp(img, RSDP_SIGNATURE, 8) != 0) {
		log_printf(level, "ACPI: RSDP at 0x%llx: bad signature", (unsigned long long)addr);
		return -ENOENT;
	}
	if (byte_sum(img, RSDP_V1_LEN) != 0) {
		log_printf(level, "ACPI: RSDP at 0x%llx: bad checksum", (unsigned long long)addr);
		return -ENOENT;
	}
	if (img[RSDP_REVISION_OFF] < 2)
		return 0;

	if (avail < RSDP_V2_LEN) {
		log_printf(level, "ACPI: RSDP revision %u but only %zu bytes given",
			   img[RSDP_REVISION_OFF], avail);
		return -ENOENT;
	}
	uint32_t length = acpi_get32(img + RSDP_LENGTH_OFF);
	if (length < RSDP_V2_LEN || length > RSDP_MAX_LEN) {
		log_printf(level, "ACPI: RSDP at 0x%llx: implausible length %u",
			   (unsigned long long)addr, length);
		return -ENOENT;
	}
	uint8_t sum;
	if (length <= avail) {
		sum = byte_sum(img, length);
	} else if (addr == 0 || !memory_sum(src, addr, length, &sum)) {
		log_printf(level, "ACPI: RSDP length %u: cannot read it whole to check it", length);
		return -ENOENT;
	}
	if (sum != 0) {
		log_printf(level, "ACPI: RSDP at 0x%llx: bad extended checksum",
			   (unsigned long long)addr);
		return -ENOENT;
	}
	return 0;
}

uint64_t acpi_scan_rsdp(uint64_t start, uint64_t len, acpi_read_fn read, void *ctx)
{
	const struct acpi_src src = { read, ctx };
	uint64_t end = start + len;
	uint8_t img[RSDP_V2_LEN];

	if (end < start)                /* the window wraps: refuse it */
		return 0;
	/* The RSDP sits on a 16-byte boundary (ACPI 6.5 §5.2.5.1). */
	for (uint64_t pa = ALIGN_UP(start, 16); pa < end && end - pa >= RSDP_V1_LEN; pa += 16) {
		if (!acpi_src_read(&src, pa, img, 8) || memcmp(img, RSDP_SIGNATURE, 8) != 0)
			continue;
		size_t avail = (size_t)MIN(end - pa, (uint64_t)RSDP_V2_LEN);
		if (!acpi_src_read(&src, pa, img, avail))
			continue;
		/* A revision 2 RSDP may extend past the window's end: read it
		 * from memory in full if the window was too short. */
		if (avail < RSDP_V2_LEN && img[RSDP_REVISION_OFF] >= 2 &&
		    acpi_src_read(&src, pa, img, RSDP_V2_LEN))
			avail = RSDP_V2_LEN;
		if (rsdp_validate(&src, pa, img, avail, LOG_DEBUG) == 0)
			return pa;
	}
	return 0;
}

/* Add a table to out->tables (the list acpi_init prints). */
static void record_table(struct acpi_info *out, const char sig[5], uint64_t addr,
			 uint32_t len, bool ok)
{
	if (out->table_count >= ACPI_MAX_TABLES) {
		if (out->tables_unlisted++ == 0)
			pr_warn("ACPI: more than %u tables; later ones are used but not listed",
				ACPI_MAX_TABLES);
		return;
	}
	struct acpi_table_ref *t = &out->tables[out->table_count++];
	memcpy(t->signature, sig, 5);
	t->address = addr;
	t->length = len;
	t->checksum_ok = ok;
}

/* Read and verify the table at 'addr': header readable, 36 <= length <=
 * 1 MiB, all bytes readable, byte sum 0 (ACPI 6.5 §5.2.6). Records it in
 * out->tables either way. Returns 0 and sets sig/len, or a negative error
 * after logging why the table is not used. */
static int load_table(struct acpi_info *out, const struct acpi_src *src, uint64_t addr,
		      char sig[5], uint32_t *len)
{
	uint8_t hdr[ACPI_HDR_LEN];
	uint8_t sum;

	*len = 0;
	if (!acpi_src_read(src, addr, hdr, sizeof(hdr))) {
		memcpy(sig, "????", 5);
		record_table(out, sig, addr, 0, false);
		pr_warn("ACPI: table at 0x%llx is not readable; ignored", (unsigned long long)addr);
		return -EFAULT;
	}
	copy_printable(sig, hdr, 4);
	*len = acpi_get32(hdr + ACPI_HDR_LENGTH_OFF);
	if (*len < ACPI_HDR_LEN || *len > ACPI_TABLE_MAX_LEN) {
		record_table(out, sig, addr, *len, false);
		pr_warn("ACPI: %s at 0x%llx has bad length %u; ignored", sig,
			(unsigned long long)addr, *len);
		return -EINVAL;
	}
	if (!memory_sum(src, addr, *len, &sum)) {
		record_table(out, sig, addr, *len, false);
		pr_warn("ACPI: %s at 0x%llx (%u bytes) is not readable whole; ignored", sig,
			(unsigned long long)addr, *len);
		return -EFAULT;
	}
	record_table(out, sig, addr, *len, sum == 0);
	if (sum != 0) {
		pr_warn("ACPI: %s at 0x%llx: bad checksum; ignored", sig, (unsigned long long)addr);
		return -EIO;
	}
	return 0;
}

/* HPET description table: the event timer block's base address, a GAS in
 * system memory (IA-PC HPET spec 1.0a §3.2.4). The first HPET wins. */
static void parse_hpet(struct acpi_info *out, const struct acpi_src *src, uint64_t addr,
		       uint32_t len)
{
	uint8_t raw[12];
	struct acpi_gas base;

	if (out->has_hpet) {
		pr_info("ACPI: additional HPET table at 0x%llx not used", (unsigned long long)addr);
		return;
	}
	if (len < HPET_TABLE_MIN_LEN) {
		pr_warn("ACPI: HPET table too short (%u bytes); no HPET", len);
		return;
	}
	if (!acpi_src_read(src, addr + HPET_BASE_GAS_OFF, raw, sizeof(raw)))
		return;
	acpi_get_gas(&base, raw);
	if (base.space_id != 0 || base.address == 0) {
		pr_warn("ACPI: HPET base (space %u, address 0x%llx) is not in memory; no HPET",
			base.space_id, (unsigned long long)base.address);
		return;
	}
	out->has_hpet = true;
	out->hpet_addr = base.address;
}

/* Load one table named by the root table and hand it to its parser. */
static void dispatch_table(struct acpi_info *out, const struct acpi_src *src, uint64_t addr)
{
	char sig[5];
	uint32_t len;

	if (load_table(out, src, addr, sig, &len) != 0)
		return;
	if (memcmp(sig, "APIC", 4) == 0) {
		if (out->has_madt)
			pr_warn("ACPI: second MADT at 0x%llx ignored", (unsigned long long)addr);
		else
			acpi_parse_madt(out, src, addr, len);
	} else if (memcmp(sig, "FACP", 4) == 0) {
		if (out->has_fadt)
			pr_warn("ACPI: second FADT at 0x%llx ignored", (unsigned long long)addr);
		else
			acpi_parse_fadt(out, src, addr, len);
	} else if (memcmp(sig, "HPET", 4) == 0) {
		parse_hpet(out, src, addr, len);
	}
}

/* Parse the RSDT (4-byte entries, ACPI 6.5 §5.2.7) or XSDT (8-byte entries,
 * §5.2.8) at 'addr' and every table it lists. Returns 0, or -EINVAL when the
 * root table itself is unusable; then nothing listed in it was looked at and
 * *out is unchanged but for the root's entry in out->tables. */
static int parse_root(struct acpi_info *out, const struct acpi_src *src, uint64_t addr,
		      bool xsdt)
{
	const char *want = xsdt ? "XSDT" : "RSDT";
	const uint32_t entry_size = xsdt ? 8 : 4;
	char sig[5];
	uint32_t len;

	if (load_table(out, src, addr, sig, &len) != 0)
		return -EINVAL;
	if (memcmp(sig, want, 4) != 0) {
		pr_warn("ACPI: expected %s at 0x%llx, found '%s'", want,
			(unsigned long long)addr, sig);
		return -EINVAL;
	}
	if ((len - ACPI_HDR_LEN) % entry_size != 0)
		pr_warn("ACPI: %s length %u is not 36 + a multiple of %u; last bytes ignored",
			want, len, entry_size);
	uint32_t entries = (len - ACPI_HDR_LEN) / entry_size;
	if (entries > ROOT_MAX_ENTRIES) {
		pr_warn("ACPI: %s lists %u tables; only the first %u are used", want, entries,
			ROOT_MAX_ENTRIES);
		entries = ROOT_MAX_ENTRIES;
	}

	out->root_addr = addr;
	out->root_is_xsdt = xsdt;
	for (uint32_t i = 0; i < entries; i++) {
		uint8_t raw[8];
		if (!acpi_src_read(src, addr + ACPI_HDR_LEN + (uint64_t)i * entry_size, raw,
				   entry_size)) {
			/* It was readable for the checksum a moment ago. */
			pr_warn("ACPI: %s entry %u is not readable; rest ignored", want, i);
			break;
		}
		uint64_t table = xsdt ? acpi_get64(raw) : acpi_get32(raw);
		if (table == 0) {
			pr_warn("ACPI: %s entry %u is null; skipped", want, i);
			continue;
		}
		dispatch_table(out, src, table);
	}
	return 0;
}

/* Search the DSDT's AML for \_S5 in overlapping windows (see DSDT_WINDOW). */
static void find_s5(struct acpi_info *out, const struct acpi_src *src, uint64_t addr,
		    uint32_t len)
{
	uint8_t buf[DSDT_WINDOW + DSDT_LOOKAHEAD];

	for (uint32_t off = ACPI_HDR_LEN; off < len; off += DSDT_WINDOW) {
		size_t n = MIN((size_t)(len - off), sizeof(buf));
		size_t scan = MIN(n, (size_t)DSDT_WINDOW);
		if (!acpi_src_read(src, addr + off, buf, n)) {
			pr_warn("ACPI: DSDT not readable at offset %u; no S5 sleep type", off);
			return;
		}
		int rc = acpi_aml_find_s5(buf, n, scan, &out->slp_typa, &out->slp_typb);
		if (rc == 0) {
			out->s5_valid = true;
			return;
		}
		if (rc != -ENOENT)
			return;                 /* malformed: acpi_aml_find_s5 said why */
	}
	pr_warn("ACPI: no \\_S5 package in the DSDT; ACPI power-off unavailable");
}

/* Load the DSDT named by the FADT and take the S5 sleep type from it. */
static void parse_dsdt(struct acpi_info *out, const struct acpi_src *src)
{
	char sig[5];
	uint32_t len;

	if (!out->has_fadt)
		return;
	if (out->dsdt_addr == 0) {
		pr_warn("ACPI: FADT names no DSDT; ACPI power-off unavailable");
		return;
	}
	if (load_table(out, src, out->dsdt_addr, sig, &len) != 0)
		return;
	if (memcmp(sig, "DSDT", 4) != 0) {
		pr_warn("ACPI: FADT's DSDT pointer 0x%llx leads to '%s'; ignored",
			(unsigned long long)out->dsdt_addr, sig);
		return;
	}
	find_s5(out, src, out->dsdt_addr, len);
}

int acpi_parse(struct acpi_info *out, uint64_t rsdp_addr, const void *rsdp_copy,
	       size_t copy_len, acpi_read_fn read, void *ctx)
{
	const struct acpi_src src = { read, ctx };
	uint8_t img[RSDP_V2_LEN];
	size_t avail;

	memset(out, 0, sizeof(*out));
	memset(img, 0, sizeof(img));
	if (rsdp_copy) {
		avail = MIN(copy_len, sizeof(img));
		memcpy(img, rsdp_copy, avail);
	} else if (rsdp_addr) {
		/* Revision 0 RSDPs are 20 bytes: read those first, so one that
		 * ends right at the end of readable memory still works. */
		avail = RSDP_V1_LEN;
		if (!acpi_src_read(&src, rsdp_addr, img, avail)) {
			pr_warn("ACPI: RSDP at 0x%llx is not readable", (unsigned long long)rsdp_addr);
			return -ENOENT;
		}
		if (img[RSDP_REVISION_OFF] >= 2 && acpi_src_read(&src, rsdp_addr, img, RSDP_V2_LEN))
			avail = RSDP_V2_LEN;
	} else {
		pr_warn("ACPI: no RSDP given");
		return -ENOENT;
	}
	if (avail < RSDP_V1_LEN) {
		pr_warn("ACPI: RSDP copy is only %zu bytes", avail);
		return -ENOENT;
	}
	if (rsdp_validate(&src, rsdp_addr, img, avail, LOG_WARN) != 0)
		return -ENOENT;

	out->rsdp_addr = rsdp_addr;
	out->revision = img[RSDP_REVISION_OFF];
	copy_printable(out->oem_id, img + RSDP_OEMID_OFF, 6);

	uint64_t rsdt = acpi_get32(img + RSDP_RSDT_OFF);
	uint64_t xsdt = out->revision >= 2 ? acpi_get64(img + RSDP_XSDT_OFF) : 0;
	int rc = -EINVAL;
	/* ACPI 6.5 §5.2.5.3: an OS uses the XSDT when there is one. A broken
	 * XSDT next to an RSDT is better served by the RSDT than by nothing. */
	if (xsdt) {
		rc = parse_root(out, &src, xsdt, true);
		if (rc != 0 && rsdt)
			pr_warn("ACPI: XSDT unusable, falling back to the RSDT");
	}
	if (rc != 0 && rsdt)
		rc = parse_root(out, &src, rsdt, false);
	if (rc != 0) {
		if (!xsdt && !rsdt)
			pr_warn("ACPI: RSDP names neither an RSDT nor an XSDT");
		return -EINVAL;
	}
	parse_dsdt(out, &src);
	out->present = true;
	return 0;
}
