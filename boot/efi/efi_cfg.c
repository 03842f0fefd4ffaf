/* efi_cfg.c - the plinth.cfg parser (format in efi_cfg.h and docs/uefi.md).
 * Pure; host-tested (tests/unit/test_efi_cfg.c). */
#include "efi_cfg.h"

#include <plinth/log.h>
#include <plinth/string.h>

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* One line of the file, without its line end. */
struct cfg_line {
	const char *start;
	size_t len;
	unsigned number;     /* 1-based */
};

/* [s, s+len) with leading and trailing blanks removed. */
static void trim(const char **s, size_t *len)
{
	while (*len && is_blank((*s)[0])) {
		(*s)++;
		(*len)--;
	}
	while (*len && is_blank((*s)[*len - 1]))
		(*len)--;
}

static bool span_is(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && memcmp(s, word, len) == 0;
}

/* Copy [s, s+len) into dst[size] as a C string; false if it does not fit. */
static bool copy_span(char *dst, size_t size, const char *s, size_t len)
{
	if (len >= size)
		return false;
	memcpy(dst, s, len);
	dst[len] = '\0';
	return true;
}

/* Report a bad character, if any: only printable ASCII and tabs. */
static bool line_chars_ok(const char *name, const struct cfg_line *l)
{
	for (size_t i = 0; i < l->len; i++) {
		unsigned char c = (unsigned char)l->start[i];
		if (c == '\t' || (c >= 0x20 && c < 0x7f))
			continue;
		pr_err("%s:%u: unsupported character 0x%02x in column %zu (only printable "
		       "ASCII and tabs are allowed)", name, l->number, c, i + 1);
		return false;
	}
	return true;
}

static int set_kernel(struct efi_cfg *cfg, const char *name, const struct cfg_line *l,
		      const char *v, size_t vlen)
{
	if (cfg->kernel_line) {
		pr_err("%s:%u: kernel is already set on line %u", name, l->number,
		       cfg->kernel_line);
		return -EINVAL;
	}
	for (size_t i = 0; i < vlen; i++) {
		if (is_blank(v[i])) {
			pr_err("%s:%u: kernel takes one file name; put hypervisor options "
			       "on an 'options =' line", name, l->number);
			return -EINVAL;
		}
	}
	if (!copy_span(cfg->kernel, sizeof(cfg->kernel), v, vlen)) {
		pr_err("%s:%u: kernel file name is longer than %u characters", name,
		       l->number, EFI_CFG_PATH_MAX - 1);
		return -EINVAL;
	}
	cfg->kernel_line = l->number;
	return 0;
}

static int add_options(struct efi_cfg *cfg, const char *name, const struct cfg_line *l,
		       const char *v, size_t vlen)
{
	if (vlen == 0)
		return 0;
	size_t have = strlen(cfg->options);
	size_t sep = have ? 1 : 0;
	if (have + sep + vlen >= sizeof(cfg->options)) {
		pr_err("%s:%u: the options are longer than %u characters in all", name,
		       l->number, BOOT_CMDLINE_MAX - 1);
		return -EINVAL;
	}
	if (sep)
		cfg->options[have] = ' ';
	memcpy(cfg->options + have + sep, v, vlen);
	cfg->options[have + sep + vlen] = '\0';
	return 0;
}

static int add_module(struct efi_cfg *cfg, const char *name, const struct cfg_line *l,
		      const char *v, size_t vlen)
{
	if (cfg->module_count == BOOT_MAX_MODULES) {
		pr_err("%s:%u: too many modules (at most %u)", name, l->number,
		       BOOT_MAX_MODULES);
		return -EINVAL;
	}
	struct efi_cfg_module *m = &cfg->modules[cfg->module_count];
	size_t plen = 0;
	while (plen < vlen && !is_blank(v[plen]))
		plen++;
	if (!copy_span(m->path, sizeof(m->path), v, plen)) {
		pr_err("%s:%u: module file name is longer than %u characters", name,
		       l->number, EFI_CFG_PATH_MAX - 1);
		return -EINVAL;
	}
	if (!copy_span(m->string, sizeof(m->string), v, vlen)) {
		pr_err("%s:%u: module line is longer than %u characters", name, l->number,
		       BOOT_MODSTR_MAX - 1);
		return -EINVAL;
	}
	m->line = l->number;
	cfg->module_count++;
	return 0;
}

/* Apply one non-blank, non-comment line. */
static int parse_line(struct efi_cfg *cfg, const char *name, const struct cfg_line *l)
{
	size_t klen = 0;
	while (klen < l->len && l->start[klen] != '=')
		klen++;
	if (klen == l->len) {
		pr_err("%s:%u: expected 'key = value', found no '='", name, l->number);
		return -EINVAL;
	}
	const char *key = l->start;
	const char *v = l->start + klen + 1;
	size_t vlen = l->len - klen - 1;
	trim(&key, &klen);
	trim(&v, &vlen);

	bool is_kernel = span_is(key, klen, "kernel");
	bool is_options = span_is(key, klen, "options");
	bool is_module = span_is(key, klen, "module");
	if (!is_kernel && !is_options && !is_module) {
		pr_err("%s:%u: unknown key '%.*s' (expected kernel, options or module)",
		       name, l->number, (int)MIN(klen, (size_t)64), key);
		return -EINVAL;
	}
	if (vlen == 0 && !is_options) {
		pr_err("%s:%u: %s needs a file name", name, l->number,
		       is_kernel ? "kernel" : "module");
		return -EINVAL;
	}
	if (is_kernel)
		return set_kernel(cfg, name, l, v, vlen);
	if (is_options)
		return add_options(cfg, name, l, v, vlen);
	return add_module(cfg, name, l, v, vlen);
}

/* Parse the whole text (see efi_cfg.h for the contract). */
int efi_cfg_parse(struct efi_cfg *cfg, const char *name, const char *text, size_t len)
{
	static const char utf8_bom[3] = { (char)0xef, (char)0xbb, (char)0xbf };
	int result = 0;

	memset(cfg, 0, sizeof(*cfg));
	if (len && !text) {
		pr_err("%s: no text", name);
		return -EINVAL;
	}
	if (len >= sizeof(utf8_bom) && memcmp(text, utf8_bom, sizeof(utf8_bom)) == 0) {
		text += sizeof(utf8_bom);
		len -= sizeof(utf8_bom);
	}

	struct cfg_line l = { .start = text, .number = 1 };
	size_t pos = 0;
	while (pos < len) {
		size_t end = pos;
		while (end < len && text[end] != '\n')
			end++;
		l.start = text + pos;
		l.len = end - pos;
		if (l.len && l.start[l.len - 1] == '\r')
			l.len--;
		pos = end + 1;

		if (!line_chars_ok(name, &l)) {
			result = -EINVAL;
		} else {
			const char *s = l.start;
			size_t n = l.len;
			trim(&s, &n);
			if (n && s[0] != '#' && parse_line(cfg, name, &l) != 0)
				result = -EINVAL;
		}
		l.number++;
	}

	if (!cfg->kernel_line)
		str_copy(cfg->kernel, EFI_CFG_DEFAULT_KERNEL, sizeof(cfg->kernel));
	return result;
}
