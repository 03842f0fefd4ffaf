/* vmcfg.h - the VM configuration: the boot-time file vms.cfg (a boot module
 * of "[vm NAME]" sections of "key = value" lines, see docs/vms-cfg.md) and
 * the same keys given one "key=value" token at a time (the console's
 * "vm create NAME key=value ..."). Both go through one validator
 * (vmm/vmcfg.c, pure, host-tested in tests/unit/test_vmcfg.c), so a value
 * means the same thing wherever it is written.
 *
 * Building one VM by hand:
 *     vmcfg_init(&vm);
 *     vmcfg_set_name(&vm, name, len, why, sizeof(why));
 *     vmcfg_set_token(&vm, "memory=64M", 10, why, sizeof(why));   ...per token
 *     vmcfg_finish(&vm, why, sizeof(why));    cross-key checks, fills pin[]
 * Each step returns 0 or -EINVAL with a one-line reason in why
 * ("memory: \"32Q\" is not a size (use K, M or G)"). Only a VM that passed
 * vmcfg_finish() is complete. */
#ifndef PLINTH_VMCFG_H
#define PLINTH_VMCFG_H

#include <plinth/compiler.h>

#define VMCFG_MAX_VMS        16         /* sections vms.cfg may configure */
#define VMCFG_NAME_MAX       31         /* [A-Za-z0-9_-], not counting the NUL */
#define VMCFG_PATH_MAX       255        /* image, kernel, initrd, each module */
#define VMCFG_CMDLINE_MAX    511
#define VMCFG_MAX_MODULES    8
#define VMCFG_MAX_VCPUS      64
#define VMCFG_MAX_HOST_CPUS  64         /* pin masks are 64 bits: CPUs 0..63 */
#define VMCFG_MEMORY_MIN     (1 * MiB)
#define VMCFG_MEMORY_MAX     (64 * GiB)
#define VMCFG_MEMORY_ALIGN   (4 * KiB)  /* guest memory is mapped in 4 KiB pages */
#define VMCFG_LINE_MAX       1024       /* bytes of one line, without its end */
#define VMCFG_WEIGHT_MIN     1
#define VMCFG_WEIGHT_MAX     65535
#define VMCFG_WEIGHT_DEFAULT 256
#define VMCFG_CAP_MAX        100        /* percent of one CPU; 0 = no cap */
#define VMCFG_FLAT_LOAD_DEFAULT 0x7C00  /* where a BIOS loads a boot sector */
#define VMCFG_WHY_MAX        160        /* a why buffer this big never truncates
					   a reason (values are quoted shortened) */

/* How the boot image is loaded. */
enum vm_boot_format {
	VM_BOOT_MULTIBOOT = 0,   /* image=, format=multiboot (the default) */
	VM_BOOT_FLAT,            /* image=, format=flat: raw bytes at load_address */
	VM_BOOT_LINUX,           /* kernel= (+ initrd=): the Linux x86 boot protocol */
};

/* The CPU mode a flat image is entered in (format=flat only). */
enum vm_entry_mode {
	VM_ENTRY_REAL = 0,       /* 16-bit real mode (the default) */
	VM_ENTRY_PROTECTED,      /* 32-bit protected mode, paging off */
	VM_ENTRY_LONG,           /* 64-bit long mode */
};

/* Keys, as bits of vm_config.keys_set (which keys were given). */
enum vmcfg_key {
	VMCFG_KEY_IMAGE,
	VMCFG_KEY_KERNEL,
	VMCFG_KEY_INITRD,
	VMCFG_KEY_FORMAT,
	VMCFG_KEY_ENTRY,
	VMCFG_KEY_LOAD_ADDRESS,
	VMCFG_KEY_MEMORY,
	VMCFG_KEY_VCPUS,
	VMCFG_KEY_CMDLINE,
	VMCFG_KEY_MODULES,
	VMCFG_KEY_AUTOSTART,
	VMCFG_KEY_WEIGHT,
	VMCFG_KEY_CAP,
	VMCFG_KEY_PIN,
	VMCFG_KEY_COUNT
};

/* One VM as configured. Strings are NUL-terminated. Fields of keys that
 * were not given hold their defaults (see docs/vms-cfg.md). */
struct vm_config {
	char name[VMCFG_NAME_MAX + 1];
	enum vm_boot_format format;
	char image[VMCFG_PATH_MAX + 1];      /* image= or kernel= path (format says which) */
	char initrd[VMCFG_PATH_MAX + 1];     /* "" = none; VM_BOOT_LINUX only */
	char cmdline[VMCFG_CMDLINE_MAX + 1]; /* "" = none */
	char modules[VMCFG_MAX_MODULES][VMCFG_PATH_MAX + 1];
	uint32_t nr_modules;                 /* VM_BOOT_MULTIBOOT only */
	uint64_t memory;                     /* bytes; multiple of 4 KiB */
	uint32_t vcpus;                      /* 1..VMCFG_MAX_VCPUS */
	enum vm_entry_mode entry;            /* VM_BOOT_FLAT only */
	uint64_t load_address;               /* guest-physical; VM_BOOT_FLAT only */
	bool autostart;                      /* start at boot (default no) */
	uint16_t weight;                     /* scheduler share, 1..65535 */
	uint8_t cap;                         /* max % of one CPU, 0 = no cap */
	uint8_t nr_pin_lists;                /* 0 = not pinned, 1 = one list for all,
						else one list per vCPU (== vcpus) */
	uint64_t pin[VMCFG_MAX_VCPUS];       /* after vmcfg_finish: host-CPU mask of
						vCPU i (bit n = CPU n); 0 = any CPU */
	uint32_t keys_set;                   /* BIT(enum vmcfg_key) of keys given */
	uint32_t line;                       /* vms.cfg line of "[vm NAME]", 0 if none */
};

/* Reset vm to an unnamed VM with every default and no keys set. */
void vmcfg_init(struct vm_config *vm);

/* Set vm's name (len bytes, no NUL needed): 1..31 of [A-Za-z0-9_-].
 * Returns 0, or -EINVAL with the reason in why. */
int vmcfg_set_name(struct vm_config *vm, const char *name, size_t len,
		   char *why, size_t why_size);

/* Apply one key (case-insensitive) with its value as written: plain text, or
 * one double-quoted string (\" and \\ escapes) for spaces, ';' and '#'. A key
 * already set is an error. vm is unchanged on error. Returns 0, or -EINVAL
 * with the reason in why ("<key>: ..."). */
int vmcfg_set(struct vm_config *vm, const char *key, size_t key_len,
	      const char *value, size_t value_len, char *why, size_t why_size);

/* Apply one "key=value" token (spaces around '=' allowed), as vmcfg_set. */
int vmcfg_set_token(struct vm_config *vm, const char *token, size_t len,
		    char *why, size_t why_size);

/* Check what no single key can: a name, exactly one of image/kernel, keys
 * that belong to another format, pin lists vs vcpus, load_address vs memory
 * and entry mode; then fill pin[] for every vCPU. Returns 0, or -EINVAL with
 * the reason in why. */
int vmcfg_finish(struct vm_config *vm, char *why, size_t why_size);

/* Parse a vms.cfg file: len bytes at buf (not NUL-terminated; any bytes).
 * Valid VMs are stored in vms[0..*nr_vms) in file order (at most max_vms;
 * entries past *nr_vms are scratch). Every bad line is reported once with
 * pr_err("vms.cfg:LINE: reason") and skips the VM it belongs to; other VMs
 * are still parsed. Returns the number of errors (0 = all good), or -EINVAL
 * when vms or nr_vms is NULL. */
int vmcfg_parse(const char *buf, size_t len, struct vm_config *vms, size_t max_vms,
		size_t *nr_vms);

/* Write vm as a vms.cfg section (every key that applies to its format, with
 * its effective value) into buf[size], always NUL-terminated when size > 0.
 * Parsing the text gives back the same VM. Returns the length the full text
 * has (like snprintf): a result >= size means it was truncated. */
int vmcfg_render(const struct vm_config *vm, char *buf, size_t size);

/* Does a boot module with command-line string module_string provide the file
 * named by path (an image=/kernel=/initrd=/modules= value)? True when the
 * module string's first word equals path, or that word's basename does
 * ("cpuid.elf" matches "/boot/guests/cpuid.elf arg"). */
bool vmcfg_path_matches(const char *path, const char *module_string);

/* "multiboot", "flat", "linux"; "real", "protected", "long"; key names. */
const char *vmcfg_format_name(enum vm_boot_format format);
const char *vmcfg_entry_name(enum vm_entry_mode entry);
const char *vmcfg_key_name(enum vmcfg_key key);

#endif
