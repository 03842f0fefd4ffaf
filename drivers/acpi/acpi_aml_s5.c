/* acpi_aml_s5.c - find Name(\_S5, Package(){SLP_TYPa, SLP_TYPb, ...}) in
 * DSDT AML without an AML interpreter. The S5 sleep type values are what
 * OSPM writes to PM1x_CNT.SLP_TYP to power off (ACPI 6.5 §7.4.2, §16.1.7).
 *
 * Encoding (ACPI 6.5 §20.2): DefName := NameOp(0x08) NameString DataRefObject;
 * NameString may start with RootChar '\' or ParentPrefixChar '^'s, then the
 * 4-character segment "_S5_"; DefPackage := PackageOp(0x12) PkgLength
 * NumElements PackageElementList; the elements wanted are integer constants
 * (ZeroOp, OneOp, OnesOp, BytePrefix/WordPrefix/DWordPrefix/QWordPrefix
 * data). Every byte read is bounds-checked against the buffer and the
 * package's own length. Pure. */
#include <plinth/acpi.h>
#include <plinth/log.h>
#include <plinth/string.h>

/* AML opcodes and prefixes (ACPI 6.5 §20.2.2, §20.2.3, §20.2.5). */
#define AML_ZERO_OP          0x00
#define AML_ONE_OP           0x01
#define AML_NAME_OP          0x08
#define AML_BYTE_PREFIX      0x0A
#define AML_WORD_PREFIX      0x0B
#define AML_DWORD_PREFIX     0x0C
#define AML_QWORD_PREFIX     0x0E
#define AML_PACKAGE_OP       0x12
#define AML_ROOT_CHAR        '\\'
#define AML_PARENT_PREFIX    '^'
#define AML_ONES_OP          0xFF

/* SLP_TYPx is the 3-bit field PM1x_CNT[12:10] (ACPI 6.5 §4.8.3.2.1). */
#define SLP_TYP_MAX          7

/* Decode a PkgLength (ACPI 6.5 §20.2.4) at aml[*pos]: bits 7:6 of the lead
 * byte count the bytes that follow (0-3); with none, bits 5:0 are the
 * length; otherwise bits 3:0 are its low nibble (bits 5:4 must be zero) and
 * each following byte adds 8 more bits. The length counts the PkgLength
 * bytes themselves. Advances *pos past the encoding. Returns 0 or -EINVAL. */
static int aml_pkg_length(const uint8_t *aml, size_t len, size_t *pos, uint32_t *pkg_len)
{
	if (*pos >= len)
		return -EINVAL;
	uint8_t lead = aml[*pos];
	unsigned follow = lead >> 6;

	if (follow == 0) {
		*pkg_len = lead & 0x3F;
		*pos += 1;
		return 0;
	}
	if (lead & 0x30)
		return -EINVAL;
	if (len - *pos < 1 + follow)
		return -EINVAL;
	uint32_t v = lead & 0x0F;
	for (unsigned i = 1; i <= follow; i++)
		v |= (uint32_t)aml[*pos + i] << (4 + 8 * (i - 1));
	*pkg_len = v;
	*pos += 1 + follow;
	return 0;
}

/* Decode an integer constant at aml[*pos], reading nothing at or past 'end'.
 * Returns 0 (and advances *pos), -ERANGE when it is cut off by 'end', or
 * -EINVAL for anything else (a string, a nested package, a name reference). */
static int aml_integer(const uint8_t *aml, size_t end, size_t *pos, uint64_t *value)
{
	size_t size;

	if (*pos >= end)
		return -ERANGE;
	switch (aml[*pos]) {
	case AML_ZERO_OP:      *value = 0; *pos += 1; return 0;
	case AML_ONE_OP:       *value = 1; *pos += 1; return 0;
	case AML_ONES_OP:      *value = ~0ULL; *pos += 1; return 0;
	case AML_BYTE_PREFIX:  size = 1; break;
	case AML_WORD_PREFIX:  size = 2; break;
	case AML_DWORD_PREFIX: size = 4; break;
	case AML_QWORD_PREFIX: size = 8; break;
	default:
		return -EINVAL;
	}
	if (end - *pos < 1 + size)
		return -ERANGE;
	uint64_t v = 0;
	for (size_t i = 0; i < size; i++)
		v |= (uint64_t)aml[*pos + 1 + i] << (8 * i);
	*value = v;
	*pos += 1 + size;
	return 0;
}

/* Decode the package whose PkgLength starts at aml[pos] (just after the
 * PackageOp). Returns 0 with the two sleep types, or -EINVAL (logged). */
static int s5_package(const uint8_t *aml, size_t len, size_t pos, uint8_t *typa, uint8_t *typb)
{
	size_t pkg_start = pos;
	uint32_t pkg_len;
	uint64_t a = 0, b = 0;

	if (aml_pkg_length(aml, len, &pos, &pkg_len) != 0) {
		pr_warn("ACPI: \\_S5 package length is malformed or truncated");
		return -EINVAL;
	}
	/* Reads stay inside the package and inside the buffer. */
	size_t pkg_end = pkg_start + pkg_len;
	size_t end = MIN(pkg_end, len);
	if (pkg_end < pos + 1) {
		pr_warn("ACPI: \\_S5 package length %u leaves no room for its elements", pkg_len);
		return -EINVAL;
	}
	if (pos >= end) {
		pr_warn("ACPI: \\_S5 package truncated before its element count");
		return -EINVAL;
	}
	uint8_t count = aml[pos++];
	if (count == 0) {
		pr_warn("ACPI: \\_S5 package is empty");
		return -EINVAL;
	}
	int rc = aml_integer(aml, end, &pos, &a);
	if (rc == 0 && count >= 2)
		rc = aml_integer(aml, end, &pos, &b);
	if (rc != 0) {
		pr_warn("ACPI: \\_S5 package %s", rc == -ERANGE ?
			"is truncated (runs past its length or the table)" :
			"holds something other than integer constants");
		return -EINVAL;
	}
	if (count < 2) {
		/* One integer holding both values, SLP_TYPa in bits 7:0 and
		 * SLP_TYPb in bits 15:8, as some ACPI 1.0 firmware encodes it. */
		b = (a >> 8) & 0xFF;
		a &= 0xFF;
	}
	if (a > SLP_TYP_MAX || b > SLP_TYP_MAX) {
		pr_warn("ACPI: \\_S5 sleep types %llu/%llu do not fit the 3-bit SLP_TYP field",
			(unsigned long long)a, (unsigned long long)b);
		return -EINVAL;
	}
	*typa = (uint8_t)a;
	*typb = (uint8_t)b;
	return 0;
}

int acpi_aml_find_s5(const uint8_t *aml, size_t len, size_t scan_len,
		     uint8_t *slp_typa, uint8_t *slp_typb)
{
	if (scan_len > len)
		scan_len = len;
	for (size_t p = 0; p < scan_len; p++) {
		if (aml[p] != AML_NAME_OP)
			continue;
		size_t q = p + 1;
		if (q < len && aml[q] == AML_ROOT_CHAR)
			q++;
		else
			while (q < len && aml[q] == AML_PARENT_PREFIX)
				q++;
		if (len - q < 4 || memcmp(aml + q, "_S5_", 4) != 0)
			continue;
		q += 4;
		if (q >= len) {
			pr_warn("ACPI: AML ends right after the name \\_S5");
			return -EINVAL;
		}
		/* 0x08 before "_S5_" can also be a PkgLength (a short Method
		 * named _S5_); only NameOp + name + PackageOp is the object. */
		if (aml[q] != AML_PACKAGE_OP)
			continue;
		return s5_package(aml, len, q + 1, slp_typa, slp_typb);
	}
	return -ENOENT;
}
