/* efi_cfg.h - plinth.cfg, the plain-text configuration plinth.efi reads from
 * its own directory on the EFI system partition, and the path helpers that
 * turn its relative names into UEFI file paths. Pure (boot/efi/efi_cfg.c,
 * boot/efi/efi_path.c); host-tested (tests/unit/test_efi_cfg.c).
 *
 * Format (docs/uefi.md), one setting per line:
 *     # a comment: the first non-blank character of the line is '#'
 *     kernel  = plinth.elf                 (optional; default "plinth.elf")
 *     options = loglevel=3 smp=4           (hypervisor command line; may repeat,
 *                                           the values are joined with a space)
 *     module  = guests/cpuid.elf arg1 arg2 (first word: the file to load;
 *                                           the whole value: the module's string)
 * Blanks around the key and the value are ignored; CR LF line ends and a
 * UTF-8 byte order mark are accepted. Paths are relative to the directory
 * holding plinth.efi, or to the root of the volume when they start with '/';
 * '/' and '\' both separate components. Only printable 7-bit ASCII and tabs
 * are allowed (UEFI file names are UCS-2; the hypervisor's command line is
 * ASCII). */
#ifndef PLINTH_BOOT_EFI_CFG_H
#define PLINTH_BOOT_EFI_CFG_H

#include <plinth/boot_info.h>

#define EFI_CFG_PATH_MAX      256   /* bytes of a file name in plinth.cfg, with the NUL */
#define EFI_CFG_DEFAULT_KERNEL "plinth.elf"

struct efi_cfg_module {
	char path[EFI_CFG_PATH_MAX];     /* the file, as written (first word of the value) */
	char string[BOOT_MODSTR_MAX];    /* boot_module.string: the whole value */
	unsigned line;                   /* where it was named, for error messages */
};

struct efi_cfg {
	char kernel[EFI_CFG_PATH_MAX];
	unsigned kernel_line;            /* 0 when the default is used */
	char options[BOOT_CMDLINE_MAX];  /* boot_info.cmdline */
	uint32_t module_count;
	struct efi_cfg_module modules[BOOT_MAX_MODULES];
};

/* Parse the configuration text [text, text+len) (not NUL-terminated; a NUL
 * byte in it is an error) into *cfg, which is fully overwritten. 'name' is
 * used in messages ("<name>:<line>: <problem>"). Every bad line is reported
 * with pr_err; returns 0, or -EINVAL if any line was bad (then *cfg holds
 * only what the good lines said and must not be used to boot). */
int efi_cfg_parse(struct efi_cfg *cfg, const char *name, const char *text, size_t len);

/* Length of the directory part of a UEFI file path ("\EFI\BOOT\BOOTX64.EFI"
 * -> 9, the length of "\EFI\BOOT"; "BOOTX64.EFI" -> 0; "\X.EFI" -> 0). */
size_t efi_path_dir_len(const uint16_t *path);

/* Build the UEFI path of a plinth.cfg file name into out[0..out_len): 'dir'
 * (dir_len UCS-2 characters, no trailing '\', may be empty) + '\' + 'name',
 * or just 'name' from the root when 'name' starts with '/' or '\'. Converts
 * '/' to '\', drops empty components ("a//b"), and always starts the result
 * with '\' (UEFI 2.10 §13.5.1: paths are absolute from the volume root when
 * opened from the root directory handle). Returns 0, -EINVAL for an empty
 * name or a name ending in a separator, or -E2BIG if out is too small. */
int efi_path_join(uint16_t *out, size_t out_len, const uint16_t *dir, size_t dir_len,
		  const char *name);

#endif
