/* vmcfg.c - the VM configuration: validates one key at a time into a
 * struct vm_config, checks a finished VM, parses the boot-time file vms.cfg
 * and renders a VM back to text. Pure (no allocation, no globals); built for
 * the kernel and for host tests (tests/unit/test_vmcfg.c). The format is
 * documented in docs/vms-cfg.md.
 *
 * The file is untrusted bytes from a boot module: no NUL terminator, maybe
 * binary. Every line is bounded (VMCFG_LINE_MAX) before it is looked at,
 * every value is checked before any field is written, and one bad line costs
 * only the VM whose section it is in. */
#include <stdarg.h>
#include <plinth/vmcfg.h>
#include <plinth/log.h>
#include <plinth/printf.h>
#include <plinth/string.h>

/* After this many reported errors the parser only counts (a binary file
 * would otherwise flood the log ring with one error per "line"). */
#define VMCFG_MAX_REPORTS 32
/* Values are shown in messages cut to this many bytes. */
#define EXCERPT_MAX 40

/* ------------------------------------------------------------ small helpers */

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

static char to_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Does [s, s+len) equal the lower-case word, ignoring case? */
static bool span_ieq(const char *s, size_t len, const char *word)
{
	size_t n = strlen(word);
	if (n != len)
		return false;
	for (size_t i = 0; i < n; i++)
		if (to_lower(s[i]) != word[i])
			return false;
	return true;
}

/* Narrow [*s, *s+*len) to drop leading and trailing spaces and tabs. */
static void trim(const char **s, size_t *len)
{
	while (*len && is_space(**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len && is_space((*s)[*len - 1]))
		(*len)--;
}

/* A printable copy of [s, s+len) for messages: bytes outside ' '..'~' become
 * '?', and more than EXCERPT_MAX bytes are cut with "...". */
static const char *excerpt(char out[EXCERPT_MAX + 4], const char *s, size_t len)
{
	size_t n = len > EXCERPT_MAX ? EXCERPT_MAX : len;
	for (size_t i = 0; i < n; i++)
		out[i] = (s[i] >= ' ' && s[i] <= '~') ? s[i] : '?';
	if (len > n) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
	return out;
}

/* Write a reason into why[why_size] (when there is one) and return -EINVAL. */
static int __printf(3, 4) fail(char *why, size_t why_size, const char *fmt, ...)
{
	if (why && why_size) {
		va_list ap;
		va_start(ap, fmt);
		kvsnprintf(why, why_size, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* ------------------------------------------------------------ names */

static const char *const format_names[] = {
	[VM_BOOT_MULTIBOOT] = "multiboot",
	[VM_BOOT_FLAT] = "flat",
	[VM_BOOT_LINUX] = "linux",
};

static const char *const entry_names[] = {
	[VM_ENTRY_REAL] = "real",
	[VM_ENTRY_PROTECTED] = "protected",
	[VM_ENTRY_LONG] = "long",
};

const char *vmcfg_format_name(enum vm_boot_format format)
{
	return (unsigned)format < ARRAY_SIZE(format_names) ? format_names[format] : "?";
}

const char *vmcfg_entry_name(enum vm_entry_mode entry)
{
	return (unsigned)entry < ARRAY_SIZE(entry_names) ? entry_names[entry] : "?";
}

/* ------------------------------------------------------------ values */

/* Check a path value (image, kernel, initrd, one module): 1..VMCFG_PATH_MAX
 * bytes of printable ASCII without spaces, because a path is matched against
 * the first word of a boot module's string. */
static int check_path(const char *key, const char *v, size_t len, char *why, size_t why_size)
{
	char ex[EXCERPT_MAX + 4];
	if (len == 0)
		return fail(why, why_size, "%s: the path is empty", key);
	if (len > VMCFG_PATH_MAX)
		return fail(why, why_size, "%s: \"%s\" is longer than %u bytes", key,
			    excerpt(ex, v, len), VMCFG_PATH_MAX);
	for (size_t i = 0; i < len; i++)
		if (v[i] <= ' ' || v[i] > '~')
			return fail(why, why_size,
				    "%s: \"%s\" has a space, control or non-ASCII byte",
				    key, excerpt(ex, v, len));
	return 0;
}

static void copy_span(char *dst, const char *src, size_t len)
{
	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* Parse a number in [min, max] (decimal or 0x hex; K/M/G when suffix). */
static int parse_number(const char *key, const char *v, size_t len, bool suffix,
			uint64_t min, uint64_t max, uint64_t *out, char *why, size_t why_size)
{
	char ex[EXCERPT_MAX + 4];
	uint64_t n;
	int err = str_parse_u64(v, len, suffix, &n);
	if (err == -EINVAL)
		return fail(why, why_size, "%s: \"%s\" is not a number", key,
			    excerpt(ex, v, len));
	if (err || n < min || n > max)
		return fail(why, why_size, "%s: %s is out of range (%llu..%llu)", key,
			    excerpt(ex, v, len), (unsigned long long)min,
			    (unsigned long long)max);
	*out = n;
	return 0;
}

static int set_image(struct vm_config *vm, const char *v, size_t len, char *why, size_t ws)
{
	if (vm->keys_set & BIT(VMCFG_KEY_KERNEL))
		return fail(why, ws, "image: kernel is already given (use one of image and kernel)");
	int err = check_path("image", v, len, why, ws);
	if (err)
		return err;
	copy_span(vm->image, v, len);
	return 0;
}

static int set_kernel(struct vm_config *vm, const char *v, size_t len, char *why, size_t ws)
{
	if (vm->keys_set & BIT(VMCFG_KEY_IMAGE))
		return fail(why, ws, "kernel: image is already given (use one of image and kernel)");
	if (vm->keys_set & BIT(VMCFG_KEY_FORMAT))
		return fail(why, ws, "kernel: format is for image only (a kernel is always Linux)");
	int err = check_path("kernel", v, len, why, ws);
	if (err)
		return err;
	copy_span(vm->image, v, len);
	vm->format = VM_BOOT_LINUX;
	return 0;
}

static int set_initrd(struct vm_config *vm, const char *v, size_t len, char *why, size_t ws)
{
	int err = check_path("initrd", v, len, why, ws);
	if (err)
		return err;
	copy_span(vm->initrd, v, len);
	return 0;
}

static int set_format(struct vm_config *vm, const char *v, size_t len, char *why, size_t ws)
{
	char ex[EXCERPT_MAX + 4];
	if (vm->keys_set & BIT(VMCFG_KEY_KERNEL))
		return fail(why, ws, "format: is for image only (a kernel is always Linux)");
	if (span_ieq(v, len, "multiboot"))
		vm->format = VM_BOOT_MULTIBOOT;
	else if (span_ieq(v, len, "flat"))
		vm->format = VM_BOOT_FLAT;
	else
		return fail(why, ws, "format: \"%s\" is not multiboot or flat",
			    excerpt(ex, v, len));
	return 0;
}

static int set_entry(struct vm_config *vm, const char *v, size_t len, char *why, size_t ws)
{
	char ex[EXCERPT_MAX + 4];
	for (size_t i = 0; i < ARRAY_SIZE(entry_names); i++) {
		if (span_ieq(v, len, entry_names[i])) {
			vm->entry = (enum vm_entry_mode)i;
			return 0;
		}
	}
	return fail(why, ws, "entry: \"%s\" is not real, protected or long", excerpt(ex, v, len));
}

static int set_load_address(struct vm_config *vm, const char *v, size_t len, char *why,
			    size_t ws)
{
	/* Its upper bound depends on memory and entry: see vmcfg_finish(). */
	return parse_number("load_address", v, len, true, 0, VMCFG_MEMORY_MAX - 1,
			    &vm->load_address, why, ws);
}

/* memory: a size with K/M/G. Guest memory is mapped to the guest in 4 KiB
 * pages by EPT (Intel SDM vol. 3C, ch. "VMX Support for Address Translation",
 * EPT translation) or nested paging (AMD APM vol. 2 §15.25), hence the
 * multiple of 4 KiB. */
static int set_memory(struct vm_config *vm, const char *v, size_t len, char *why, size_t ws)
{
	char ex[EXCERPT_MAX + 4];
	uint64_t n;
	int err = str_parse_u64(v, len, true, &n);
	if (err == -EINVAL)
		return fail(why, ws, "memory: \"%s\" is not a size (use K, M or G)",
			    excerpt(ex, v, len));
	if (err || n < VMCFG_MEMORY_MIN || n > VMCFG_MEMORY_MAX)
		return fail(why, ws, "memory: %s is out of range (1M..64G)", excerpt(ex, v, len));
	if (!IS_ALIGNED(n, VMCFG_MEMORY_ALIGN))
		return fail(why, ws, "memory: %s is not a multiple of 4K", excerpt(ex, v, len));
	vm->memory = n;
	return 0;
}

static int set_vcpus(struct vm_config *vm, const char *v, size_t len, char *why, size_t ws)
{
	uint64_t n;
	int err = parse_number("vcpus", v, len, false, 1, VMCFG_MAX_VCPUS, &n, why, ws);
	if (!err)
		vm->vcpus = (uint32_t)n;
	return err;
}

/* cmdline: printable ASCII, spaces included, up to VMCFG_CMDLINE_MAX bytes. */
static int set_cmdline(struct vm_config *vm, const char *v, size_t len, char *why, size_t ws)
{
	char ex[EXCERPT_MAX + 4];
	if (len > VMCFG_CMDLINE_MAX)
		return fail(why, ws, "cmdline: \"%s\" is longer than %u bytes",
			    excerpt(ex, v, len), VMCFG_CMDLINE_MAX);
	for (size_t i = 0; i < len; i++)
		if (v[i] < ' ' || v[i] > '~')
			return fail(why, ws, "cmdline: \"%s\" has a control or non-ASCII byte",
				    excerpt(ex, v, len));
	copy_span(vm->cmdline, v, len);
	return 0;
}

/* modules: up to VMCFG_MAX_MODULES paths separated by spaces or tabs. All
 * are checked before any is stored. */
static int set_modules(struct vm_config *vm, const char *v, size_t len, char *why, size_t ws)
{
	size_t starts[VMCFG_MAX_MODULES], lens[VMCFG_MAX_MODULES];
	size_t n = 0, i = 0;

	for (;;) {
		while (i < len && is_space(v[i]))
			i++;
		if (i == len)
			break;
		size_t start = i;
		while (i < len && !is_space(v[i]))
			i++;
		if (n == VMCFG_MAX_MODULES)
			return fail(why, ws, "modules: more than %u paths", VMCFG_MAX_MODULES);
		int err = check_path("modules", v + start, i - start, why, ws);
		if (err)
			return err;
		starts[n] = start;
		lens[n] = i - start;
		n++;
	}
	if (n == 0)
		return fail(why, ws, "modules: no path given");
	for (i = 0; i < n; i++)
		copy_span(vm->modules[i], v + starts[i], lens[i]);
	vm->nr_modules = (uint32_t)n;
	return 0;
}

static int set_autostart(struct vm_config *vm, const char *v, size_t len, char *why,
			 size_t ws)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	char ex[EXCERPT_MAX + 4];
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (span_ieq(v, len, yes[i])) {
			vm->autostart = true;
			return 0;
		}
		if (span_ieq(v, len, no[i])) {
			vm->autostart = false;
			return 0;
		}
	}
	return fail(why, ws, "autostart: \"%s\" is not yes/no, true/false, on/off or 1/0",
		    excerpt(ex, v, len));
}

static int set_weight(struct vm_config *vm, const char *v, size_t len, char *why, size_t ws)
{
	uint64_t n;
	int err = parse_number("weight", v, len, false, VMCFG_WEIGHT_MIN, VMCFG_WEIGHT_MAX,
			       &n, why, ws);
	if (!err)
		vm->weight = (uint16_t)n;
	return err;
}

static int set_cap(struct vm_config *vm, const char *v, size_t len, char *why, size_t ws)
{
	uint64_t n;
	int err = parse_number("cap", v, len, false, 0, VMCFG_CAP_MAX, &n, why, ws);
	if (!err)
		vm->cap = (uint8_t)n;
	return err;
}

/* One CPU number of a pin list at v[*i]: decimal, 0..VMCFG_MAX_HOST_CPUS-1.
 * Returns 0 and advances *i, or -EINVAL (*cpu = the number or ~0 if none). */
static int pin_cpu(const char *v, size_t len, size_t *i, unsigned *cpu)
{
	unsigned n = 0;
	size_t start = *i;
	while (*i < len && v[*i] >= '0' && v[*i] <= '9') {
		if (n < 1000)   /* saturate: anything past 63 is already wrong */
			n = n * 10 + (unsigned)(v[*i] - '0');
		(*i)++;
	}
	*cpu = *i == start ? ~0u : n;
	return (*i == start || n >= VMCFG_MAX_HOST_CPUS) ? -EINVAL : 0;
}

/* pin: host-CPU lists. A list is items "N" or "N-M" joined by ','; lists are
 * joined by '/', one per vCPU in order ("0/1/2-3"), or one list for every
 * vCPU ("0-1"). Spaces around items are ignored. */
static int set_pin(struct vm_config *vm, const char *v, size_t len, char *why, size_t ws)
{
	char ex[EXCERPT_MAX + 4];
	uint64_t masks[VMCFG_MAX_VCPUS];
	size_t nr_lists = 0, i = 0;
	uint64_t mask = 0;

	for (;;) {
		unsigned lo, hi;
		while (i < len && is_space(v[i]))
			i++;
		if (pin_cpu(v, len, &i, &lo)) {
			if (lo != ~0u)
				return fail(why, ws, "pin: CPU %u is out of range (0..%u)", lo,
					    VMCFG_MAX_HOST_CPUS - 1);
			return fail(why, ws, "pin: \"%s\" is not a CPU list (e.g. 0,2-3 or "
				    "0/1 for one list per vCPU)", excerpt(ex, v, len));
		}
		hi = lo;
		while (i < len && is_space(v[i]))
			i++;
		if (i < len && v[i] == '-') {
			i++;
			while (i < len && is_space(v[i]))
				i++;
			if (pin_cpu(v, len, &i, &hi)) {
				if (hi != ~0u)
					return fail(why, ws, "pin: CPU %u is out of range (0..%u)",
						    hi, VMCFG_MAX_HOST_CPUS - 1);
				return fail(why, ws, "pin: \"%s\" is not a CPU list (e.g. 0,2-3 "
					    "or 0/1 for one list per vCPU)", excerpt(ex, v, len));
			}
			if (hi < lo)
				return fail(why, ws, "pin: range %u-%u is backwards", lo, hi);
			while (i < len && is_space(v[i]))
				i++;
		}
		for (unsigned c = lo; c <= hi; c++)
			mask |= BIT(c);
		if (i < len && v[i] == ',') {
			i++;
			continue;
		}
		if (i < len && v[i] != '/')
			return fail(why, ws, "pin: \"%s\" is not a CPU list (e.g. 0,2-3 or "
				    "0/1 for one list per vCPU)", excerpt(ex, v, len));
		if (nr_lists == VMCFG_MAX_VCPUS)
			return fail(why, ws, "pin: more than %u lists (one per vCPU at most)",
				    VMCFG_MAX_VCPUS);
		masks[nr_lists++] = mask;
		mask = 0;
		if (i == len)
			break;
		i++;   /* '/' */
	}
	memcpy(vm->pin, masks, nr_lists * sizeof(masks[0]));
	vm->nr_pin_lists = (uint8_t)nr_lists;
	return 0;
}

/* The keys, indexed by enum vmcfg_key. Each setter checks the whole value
 * and leaves vm unchanged when it fails. */
typedef int (*vmcfg_setter)(struct vm_config *vm, const char *v, size_t len, char *why,
			    size_t why_size);
static const struct key_desc {
	const char *name;
	vmcfg_setter set;
	bool allow_empty;     /* "" is a valid value */
} keys[VMCFG_KEY_COUNT] = {
	[VMCFG_KEY_IMAGE] = { "image", set_image, false },
	[VMCFG_KEY_KERNEL] = { "kernel", set_kernel, false },
	[VMCFG_KEY_INITRD] = { "initrd", set_initrd, false },
	[VMCFG_KEY_FORMAT] = { "format", set_format, false },
	[VMCFG_KEY_ENTRY] = { "entry", set_entry, false },
	[VMCFG_KEY_LOAD_ADDRESS] = { "load_address", set_load_address, false },
	[VMCFG_KEY_MEMORY] = { "memory", set_memory, false },
	[VMCFG_KEY_VCPUS] = { "vcpus", set_vcpus, false },
	[VMCFG_KEY_CMDLINE] = { "cmdline", set_cmdline, true },
	[VMCFG_KEY_MODULES] = { "modules", set_modules, false },
	[VMCFG_KEY_AUTOSTART] = { "autostart", set_autostart, false },
	[VMCFG_KEY_WEIGHT] = { "weight", set_weight, false },
	[VMCFG_KEY_CAP] = { "cap", set_cap, false },
	[VMCFG_KEY_PIN] = { "pin", set_pin, false },
};

const char *vmcfg_key_name(enum vmcfg_key key)
{
	return (unsigned)key < VMCFG_KEY_COUNT ? keys[key].name : "?";
}

/* ------------------------------------------------------------ one VM */

/* Reset vm: no name, no keys, every default (docs/vms-cfg.md). */
void vmcfg_init(struct vm_config *vm)
{
	memset(vm, 0, sizeof(*vm));
	vm->format = VM_BOOT_MULTIBOOT;
	vm->memory = 32 * MiB;
	vm->vcpus = 1;
	vm->entry = VM_ENTRY_REAL;
	vm->load_address = VMCFG_FLAT_LOAD_DEFAULT;
	vm->autostart = false;
	vm->weight = VMCFG_WEIGHT_DEFAULT;
	vm->cap = 0;
}

/* Is [name, name+len) a valid VM name: 1..VMCFG_NAME_MAX of [A-Za-z0-9_-]?
 * Returns 0, or -EINVAL with the reason. */
static int check_name(const char *name, size_t len, char *why, size_t why_size)
{
	char ex[EXCERPT_MAX + 4];
	if (!name || len == 0)
		return fail(why, why_size, "the VM name is empty");
	if (len > VMCFG_NAME_MAX)
		return fail(why, why_size, "VM name \"%s\" is longer than %u characters",
			    excerpt(ex, name, len), VMCFG_NAME_MAX);
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '_' || c == '-';
		if (!ok)
			return fail(why, why_size,
				    "VM name \"%s\" may only have letters, digits, '_' and '-'",
				    excerpt(ex, name, len));
	}
	return 0;
}

/* Set the name if check_name() accepts it. */
int vmcfg_set_name(struct vm_config *vm, const char *name, size_t len, char *why,
		   size_t why_size)
{
	int err = check_name(name, len, why, why_size);
	if (!err)
		copy_span(vm->name, name, len);
	return err;
}

/* Turn a value as written into its bytes in out[VMCFG_LINE_MAX + 1]: trimmed,
 * and if it starts with '"', one quoted string whose \" and \\ are unescaped.
 * Returns the length, or -EINVAL with the reason (prefixed "key: "). */
static int unquote(const char *key, const char *v, size_t len, char *out, char *why,
		   size_t ws)
{
	char ex[EXCERPT_MAX + 4];
	size_t n = 0;

	trim(&v, &len);
	if (len > VMCFG_LINE_MAX)
		return fail(why, ws, "%s: the value is longer than %u bytes", key, VMCFG_LINE_MAX);
	if (len == 0 || v[0] != '"') {
		for (size_t i = 0; i < len; i++)
			if (v[i] == '"')
				return fail(why, ws, "%s: \"%s\": quotes must enclose the whole value",
					    key, excerpt(ex, v, len));
		memcpy(out, v, len);
		return (int)len;
	}
	for (size_t i = 1; i < len; i++) {
		char c = v[i];
		if (c == '"') {
			if (i + 1 != len)
				return fail(why, ws, "%s: text after the closing quote", key);
			return (int)n;
		}
		if (c == '\\') {
			if (i + 1 == len || (v[i + 1] != '"' && v[i + 1] != '\\'))
				return fail(why, ws, "%s: only \\\" and \\\\ may follow a backslash",
					    key);
			c = v[++i];
		}
		out[n++] = c;
	}
	return fail(why, ws, "%s: the quote is not closed", key);
}

/* Apply key = value to vm (see vmcfg.h). */
int vmcfg_set(struct vm_config *vm, const char *key, size_t key_len, const char *value,
	      size_t value_len, char *why, size_t why_size)
{
	char ex[EXCERPT_MAX + 4];
	char text[VMCFG_LINE_MAX + 1];

	trim(&key, &key_len);
	if (key_len == 0)
		return fail(why, why_size, "no key before '='");
	size_t k;
	for (k = 0; k < VMCFG_KEY_COUNT; k++)
		if (span_ieq(key, key_len, keys[k].name))
			break;
	if (k == VMCFG_KEY_COUNT)
		return fail(why, why_size, "unknown key \"%s\"", excerpt(ex, key, key_len));
	const struct key_desc *d = &keys[k];
	if (vm->keys_set & BIT(k))
		return fail(why, why_size, "%s: given twice", d->name);

	int len = unquote(d->name, value, value_len, text, why, why_size);
	if (len < 0)
		return len;
	trim(&value, &value_len);
	if (len == 0 && (!d->allow_empty || value_len == 0))
		return fail(why, why_size, "%s: no value", d->name);
	int err = d->set(vm, text, (size_t)len, why, why_size);
	if (err)
		return err;
	vm->keys_set |= (uint32_t)BIT(k);
	return 0;
}

/* Apply one "key=value" token (see vmcfg.h). */
int vmcfg_set_token(struct vm_config *vm, const char *token, size_t len, char *why,
		    size_t why_size)
{
	char ex[EXCERPT_MAX + 4];
	for (size_t i = 0; i < len; i++)
		if (token[i] == '=')
			return vmcfg_set(vm, token, i, token + i + 1, len - i - 1, why, why_size);
	return fail(why, why_size, "\"%s\" is not key=value", excerpt(ex, token, len));
}

static bool key_given(const struct vm_config *vm, enum vmcfg_key k)
{
	return (vm->keys_set & BIT(k)) != 0;
}

/* Cross-key checks and pin[] fill-in (see vmcfg.h). */
int vmcfg_finish(struct vm_config *vm, char *why, size_t ws)
{
	if (vm->name[0] == '\0')
		return fail(why, ws, "the VM has no name");
	if (vm->image[0] == '\0')
		return fail(why, ws, "no image or kernel given");
	if (key_given(vm, VMCFG_KEY_INITRD) && vm->format != VM_BOOT_LINUX)
		return fail(why, ws, "initrd: only a kernel (Linux) takes an initrd");
	if (key_given(vm, VMCFG_KEY_MODULES) && vm->format != VM_BOOT_MULTIBOOT)
		return fail(why, ws, "modules: only multiboot images take modules");
	if (key_given(vm, VMCFG_KEY_CMDLINE) && vm->format == VM_BOOT_FLAT)
		return fail(why, ws, "cmdline: a flat image has no command line");
	if (vm->format != VM_BOOT_FLAT) {
		/* A Linux kernel has a 32-bit and a 64-bit entry (boot.rst):
		 * entry = protected (the default) or long. */
		if (key_given(vm, VMCFG_KEY_ENTRY) &&
		    (vm->format != VM_BOOT_LINUX || vm->entry == VM_ENTRY_REAL))
			return fail(why, ws, "entry: only for format = flat, and protected or long "
				    "for a kernel");
		if (key_given(vm, VMCFG_KEY_LOAD_ADDRESS))
			return fail(why, ws, "load_address: only for format = flat");
	} else {
		if (vm->load_address >= vm->memory)
			return fail(why, ws, "load_address: 0x%llx is beyond the VM's memory "
				    "(0x%llx bytes)", (unsigned long long)vm->load_address,
				    (unsigned long long)vm->memory);
		/* Real-address mode reaches only the first 1 MiB (Intel SDM vol. 3,
		 * ch. "8086 Emulation", real-address mode address translation). */
		if (vm->entry == VM_ENTRY_REAL && vm->load_address >= 1 * MiB)
			return fail(why, ws, "load_address: 0x%llx is above 1M, which real "
				    "mode cannot reach", (unsigned long long)vm->load_address);
	}
	if (vm->nr_pin_lists > 1 && vm->nr_pin_lists != vm->vcpus)
		return fail(why, ws, "pin: %u lists for %u vCPUs (give one list, or one per vCPU)",
			    vm->nr_pin_lists, vm->vcpus);
	for (uint32_t i = 1; i < VMCFG_MAX_VCPUS; i++) {
		if (i >= vm->vcpus)
			vm->pin[i] = 0;
		else if (vm->nr_pin_lists == 1)
			vm->pin[i] = vm->pin[0];
	}
	return 0;
}

/* ------------------------------------------------------------ the file */

/* The parser's position: the VM section being read and the results so far. */
struct parser {
	struct vm_config *vms;
	size_t max_vms;
	size_t nr_vms;            /* finished, valid VMs in vms[] */
	bool in_section;          /* a "[...]" line has been seen */
	struct vm_config *cur;    /* vms[nr_vms] while a section is read; NULL when
				     there is no slot left (its lines are skipped) */
	bool cur_ok;              /* no error in this section so far */
	size_t cur_line;          /* line of the section's header */
	int errors;
};

/* Report one error on a line: counted always, logged for the first
 * VMCFG_MAX_REPORTS. The section being read (if any) becomes invalid. */
static void __printf(3, 4) report(struct parser *p, size_t line, const char *fmt, ...)
{
	char msg[VMCFG_WHY_MAX + EXCERPT_MAX];
	va_list ap;
	va_start(ap, fmt);
	kvsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p->errors++;
	if (p->errors <= VMCFG_MAX_REPORTS)
		pr_err("vms.cfg:%zu: %s", line, msg);
	else if (p->errors == VMCFG_MAX_REPORTS + 1)
		pr_err("vms.cfg: more than %u errors; the rest are counted, not shown",
		       VMCFG_MAX_REPORTS);
	p->cur_ok = false;
}

/* Close the section being read: keep its VM if it had no error and passes
 * vmcfg_finish(). */
static void end_section(struct parser *p)
{
	char why[VMCFG_WHY_MAX];
	if (!p->in_section || !p->cur)
		return;
	if (p->cur_ok && vmcfg_finish(p->cur, why, sizeof(why)) != 0)
		report(p, p->cur_line, "[vm %s]: %s", p->cur->name, why);
	if (p->cur_ok)
		p->nr_vms++;
	else if (p->cur->name[0])
		pr_warn("vms.cfg:%zu: VM \"%s\" skipped because of the errors above",
			p->cur_line, p->cur->name);
	p->cur = NULL;
}

/* A "[vm NAME]" line (content is trimmed, starts with '['). Opens a new
 * section even when the header is bad, so that its keys do not land in the
 * previous VM; a bad section's keys are still checked and reported. */
static void parse_header(struct parser *p, const char *s, size_t len, size_t line)
{
	char ex[EXCERPT_MAX + 4], why[VMCFG_WHY_MAX];

	end_section(p);
	p->in_section = true;
	p->cur_line = line;
	p->cur_ok = true;
	p->cur = p->nr_vms < p->max_vms ? &p->vms[p->nr_vms] : NULL;
	if (p->cur) {
		vmcfg_init(p->cur);
		p->cur->line = (uint32_t)line;
	}

	size_t close = 0;
	while (close < len && s[close] != ']')
		close++;
	if (close == len) {
		report(p, line, "\"%s\": the section header has no ']'", excerpt(ex, s, len));
		return;
	}
	if (close + 1 != len) {
		report(p, line, "\"%s\": text after ']'", excerpt(ex, s, len));
		return;
	}
	const char *inner = s + 1;
	size_t inner_len = close - 1;
	trim(&inner, &inner_len);
	size_t word = 0;
	while (word < inner_len && !is_space(inner[word]))
		word++;
	if (!span_ieq(inner, word, "vm")) {
		report(p, line, "unknown section \"%s\" (expected [vm NAME])",
		       excerpt(ex, s, len));
		return;
	}
	const char *name = inner + word;
	size_t name_len = inner_len - word;
	trim(&name, &name_len);

	if (check_name(name, name_len, why, sizeof(why)) != 0) {
		report(p, line, "%s", why);
		return;
	}
	char name_str[VMCFG_NAME_MAX + 1];
	copy_span(name_str, name, name_len);
	if (p->cur)
		copy_span(p->cur->name, name, name_len);
	for (size_t i = 0; i < p->nr_vms; i++) {
		if (strcmp(p->vms[i].name, name_str) == 0) {
			report(p, line, "VM \"%s\" is already defined on line %u; this one is "
			       "skipped", name_str, p->vms[i].line);
			return;
		}
	}
	if (!p->cur)
		report(p, line, "more than %zu VMs; [vm %s] is skipped", p->max_vms, name_str);
}

/* A "key = value" line (content trimmed, not starting with '['). */
static void parse_key_line(struct parser *p, const char *s, size_t len, size_t line)
{
	char ex[EXCERPT_MAX + 4], why[VMCFG_WHY_MAX];
	size_t eq = 0;
	while (eq < len && s[eq] != '=')
		eq++;
	if (eq == len) {
		report(p, line, "\"%s\": expected \"key = value\" or \"[vm NAME]\"",
		       excerpt(ex, s, len));
		return;
	}
	if (!p->in_section) {
		const char *key = s;
		size_t key_len = eq;
		trim(&key, &key_len);
		report(p, line, "%s: a key outside any [vm NAME] section",
		       excerpt(ex, key, key_len));
		return;
	}
	if (!p->cur)
		return;   /* a section with no slot left: reported at its header */
	if (vmcfg_set(p->cur, s, eq, s + eq + 1, len - eq - 1, why, sizeof(why)) != 0)
		report(p, line, "%s", why);
}

/* One line without its end ("\n" or "\r\n"): bounds, bytes, comments, then
 * a header or a key. */
static void parse_line(struct parser *p, const char *s, size_t len, size_t line)
{
	if (len && s[len - 1] == '\r')
		len--;
	if (len > VMCFG_LINE_MAX) {
		report(p, line, "the line is longer than %u bytes", VMCFG_LINE_MAX);
		return;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < ' ' && c != '\t') || c == 0x7f) {
			report(p, line, "control byte 0x%02x in column %zu (not a text file?)",
			       c, i + 1);
			return;
		}
	}
	/* A comment starts at ';' or '#' outside double quotes. */
	bool quoted = false;
	size_t end;
	for (end = 0; end < len; end++) {
		char c = s[end];
		if (quoted && c == '\\' && end + 1 < len)
			end++;
		else if (c == '"')
			quoted = !quoted;
		else if (!quoted && (c == ';' || c == '#'))
			break;
	}
	len = end;
	trim(&s, &len);
	if (len == 0)
		return;
	if (s[0] == '[')
		parse_header(p, s, len, line);
	else
		parse_key_line(p, s, len, line);
}

/* Parse a whole vms.cfg (see vmcfg.h). */
int vmcfg_parse(const char *buf, size_t len, struct vm_config *vms, size_t max_vms,
		size_t *nr_vms)
{
	if (!vms || !nr_vms)
		return -EINVAL;
	struct parser p = { .vms = vms, .max_vms = max_vms };
	if (!buf)
		len = 0;

	size_t pos = 0, line = 1;
	/* A UTF-8 byte-order mark, as some editors write, is not content. */
	if (len >= 3 && (unsigned char)buf[0] == 0xEF && (unsigned char)buf[1] == 0xBB &&
	    (unsigned char)buf[2] == 0xBF)
		pos = 3;
	while (pos < len) {
		size_t end = pos;
		while (end < len && buf[end] != '\n')
			end++;
		parse_line(&p, buf + pos, end - pos, line);
		pos = end + 1;   /* past '\n' (or past the end of the buffer) */
		line++;
	}
	end_section(&p);
	*nr_vms = p.nr_vms;
	return p.errors;
}

/* ------------------------------------------------------------ rendering */

struct render {
	char *buf;
	size_t size;
	size_t len;       /* length of the full text so far */
};

static void __printf(2, 3) emit(struct render *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t room = r->len < r->size ? r->size - r->len : 0;
	int n = kvsnprintf(room ? r->buf + r->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		r->len += (size_t)n;
}

static void emit_char(struct render *r, char c)
{
	if (r->len + 1 < r->size) {
		r->buf[r->len] = c;
		r->buf[r->len + 1] = '\0';
	}
	r->len++;
}

/* A size with the largest binary suffix that divides it exactly. */
static void emit_size(struct render *r, uint64_t bytes)
{
	if (bytes && IS_ALIGNED(bytes, GiB))
		emit(r, "%lluG", (unsigned long long)(bytes / GiB));
	else if (bytes && IS_ALIGNED(bytes, MiB))
		emit(r, "%lluM", (unsigned long long)(bytes / MiB));
	else if (bytes && IS_ALIGNED(bytes, KiB))
		emit(r, "%lluK", (unsigned long long)(bytes / KiB));
	else
		emit(r, "%llu", (unsigned long long)bytes);
}

/* A CPU mask as "0,2-3". */
static void emit_cpu_list(struct render *r, uint64_t mask)
{
	bool first = true;
	for (unsigned c = 0; c < VMCFG_MAX_HOST_CPUS; c++) {
		if (!(mask & BIT(c)))
			continue;
		unsigned hi = c;
		while (hi + 1 < VMCFG_MAX_HOST_CPUS && (mask & BIT(hi + 1)))
			hi++;
		emit(r, first ? "%u" : ",%u", c);
		if (hi > c)
			emit(r, "-%u", hi);
		first = false;
		c = hi;
	}
}

/* Render vm as a section (see vmcfg.h). */
int vmcfg_render(const struct vm_config *vm, char *buf, size_t size)
{
	struct render r = { .buf = buf, .size = size };
	if (buf && size)
		buf[0] = '\0';
	else
		r.size = 0;

	emit(&r, "[vm %s]\n", vm->name);
	if (vm->format == VM_BOOT_LINUX) {
		emit(&r, "kernel = %s\n", vm->image);
		if (vm->initrd[0])
			emit(&r, "initrd = %s\n", vm->initrd);
	} else {
		emit(&r, "image = %s\n", vm->image);
		emit(&r, "format = %s\n", vmcfg_format_name(vm->format));
	}
	if (vm->format == VM_BOOT_LINUX && vm->entry != VM_ENTRY_REAL)
		emit(&r, "entry = %s\n", vmcfg_entry_name(vm->entry));
	if (vm->format == VM_BOOT_FLAT) {
		emit(&r, "entry = %s\n", vmcfg_entry_name(vm->entry));
		emit(&r, "load_address = 0x%llx\n", (unsigned long long)vm->load_address);
	}
	emit(&r, "memory = ");
	emit_size(&r, vm->memory);
	emit(&r, "\nvcpus = %u\n", vm->vcpus);
	if (vm->cmdline[0]) {
		emit(&r, "cmdline = \"");
		for (const char *c = vm->cmdline; *c; c++) {
			if (*c == '"' || *c == '\\')
				emit_char(&r, '\\');
			emit_char(&r, *c);
		}
		emit(&r, "\"\n");
	}
	if (vm->nr_modules && vm->format == VM_BOOT_MULTIBOOT) {
		emit(&r, "modules =");
		for (uint32_t i = 0; i < vm->nr_modules && i < VMCFG_MAX_MODULES; i++)
			emit(&r, " %s", vm->modules[i]);
		emit(&r, "\n");
	}
	emit(&r, "autostart = %s\n", vm->autostart ? "yes" : "no");
	emit(&r, "weight = %u\n", vm->weight);
	emit(&r, "cap = %u\n", vm->cap);
	if (vm->nr_pin_lists) {
		emit(&r, "pin = ");
		for (uint32_t i = 0; i < vm->nr_pin_lists && i < VMCFG_MAX_VCPUS; i++) {
			if (i)
				emit_char(&r, '/');
			emit_cpu_list(&r, vm->pin[i]);
		}
		emit_char(&r, '\n');
	}
	return (int)r.len;
}

/* ------------------------------------------------------------ modules */

/* Does module_string name the file path (see vmcfg.h)? */
bool vmcfg_path_matches(const char *path, const char *module_string)
{
	if (!path || !module_string || !path[0])
		return false;
	const char *word = module_string;
	while (is_space(*word))
		word++;
	size_t word_len = 0;
	while (word[word_len] && !is_space(word[word_len]))
		word_len++;
	size_t path_len = strlen(path);
	if (word_len == path_len && memcmp(word, path, path_len) == 0)
		return true;
	size_t base = word_len;
	while (base > 0 && word[base - 1] != '/')
		base--;
	return word_len - base == path_len && memcmp(word + base, path, path_len) == 0;
}
