/* efi_path.c - UEFI file paths for plinth.efi: the directory of the running
 * image, and plinth.cfg names resolved against it. UEFI file names are
 * UCS-2 with '\' separators (UEFI 2.10 §13.5.1, §10.3.5.4 file path media
 * device path). Pure; host-tested (tests/unit/test_efi_cfg.c). */
#include "efi_cfg.h"

#include <plinth/string.h>

static bool is_sep(uint16_t c)
{
	return c == '\\' || c == '/';
}

/* Length of everything before the last '\' of path (0 if there is none). */
size_t efi_path_dir_len(const uint16_t *path)
{
	size_t last_sep = 0;
	for (size_t i = 0; path[i]; i++)
		if (is_sep(path[i]))
			last_sep = i;
	return last_sep;
}

/* Output with a bound: characters beyond out_len - 1 are counted, not written. */
struct path_out {
	uint16_t *buf;
	size_t size;
	size_t len;
};

static void put(struct path_out *o, uint16_t c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

/* Append "\component" for every non-empty component of s[0..len), where s
 * holds 8-bit (name) or 16-bit (dir) characters. */
static void put_components8(struct path_out *o, const char *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		while (i < len && is_sep((uint8_t)s[i]))
			i++;
		if (i == len)
			break;
		put(o, '\\');
		while (i < len && !is_sep((uint8_t)s[i]))
			put(o, (uint8_t)s[i++]);
	}
}

static void put_components16(struct path_out *o, const uint16_t *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		while (i < len && is_sep(s[i]))
			i++;
		if (i == len)
			break;
		put(o, '\\');
		while (i < len && !is_sep(s[i]))
			put(o, s[i++]);
	}
}

/* Join 'dir' and the plinth.cfg file name 'name' (contract in efi_cfg.h). */
int efi_path_join(uint16_t *out, size_t out_len, const uint16_t *dir, size_t dir_len,
		  const char *name)
{
	size_t name_len = strlen(name);
	bool has_component = false;
	for (size_t i = 0; i < name_len; i++)
		if (!is_sep((uint8_t)name[i]))
			has_component = true;
	if (!has_component || is_sep((uint8_t)name[name_len - 1]))
		return -EINVAL;

	struct path_out o = { .buf = out, .size = out_len };
	if (!is_sep((uint8_t)name[0]) && dir)
		put_components16(&o, dir, dir_len);
	put_components8(&o, name, name_len);
	if (o.len + 1 > out_len)
		return -E2BIG;
	out[o.len] = 0;
	return 0;
}
