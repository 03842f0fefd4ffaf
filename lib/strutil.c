/* strutil.c - plinth's own string helpers: bounded copy, number parsing
 * for command lines, path basename. Pure; host-tested (tests/unit/test_strutil.c). */
#include <plinth/string.h>

/* Copy at most size-1 bytes of src into dst and NUL-terminate (when
 * size > 0). Returns strlen(src); a result >= size means truncation. */
size_t str_copy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);
	if (size == 0)
		return len;
	size_t n = len < size - 1 ? len : size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return len;
}

/* Value of a digit in base 16, or 16 if c is not a hex digit. */
static unsigned hex_digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return (unsigned)(c - '0');
	if (c >= 'a' && c <= 'f')
		return (unsigned)(c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (unsigned)(c - 'A' + 10);
	return 16;
}

/* Binary-multiple suffix: log2 of its factor, or 0 if c is not one. */
static unsigned suffix_shift(char c)
{
	switch (c) {
	case 'k': case 'K': return 10;
	case 'm': case 'M': return 20;
	case 'g': case 'G': return 30;
	default:            return 0;
	}
}

/* Parse exactly [s, s+len) as an unsigned 64-bit number: decimal digits or
 * "0x"/"0X" and hex digits, then (allow_suffix only) one of K/M/G (x1024^n).
 * No sign, no spaces. Returns 0 and sets *out, -EINVAL for an empty or
 * malformed number (*out untouched), -ERANGE if it does not fit 64 bits. */
int str_parse_u64(const char *s, size_t len, bool allow_suffix, uint64_t *out)
{
	if (!s || len == 0)
		return -EINVAL;

	unsigned shift = 0;
	if (allow_suffix && (shift = suffix_shift(s[len - 1])) != 0)
		len--;

	unsigned base = 10;
	size_t i = 0;
	if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i == len)
		return -EINVAL;   /* no digits: "", "K", "0x" */

	uint64_t value = 0;
	bool too_big = false;
	for (; i < len; i++) {
		unsigned d = hex_digit_value(s[i]);
		if (d >= base)
			return -EINVAL;
		if (value > (UINT64_MAX - d) / base)
			too_big = true;   /* keep scanning: garbage after it is -EINVAL */
		else
			value = value * base + d;
	}
	if (too_big)
		return -ERANGE;
	if (shift && value > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = value << shift;
	return 0;
}

/* The last component of a path: what follows the last '/' ("" if the path
 * ends in '/'; "" for NULL). Points into path. */
const char *str_basename(const char *path)
{
	if (!path)
		return "";
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}
