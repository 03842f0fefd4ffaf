/* test_efi_cfg.c - plinth.efi's configuration parser (boot/efi/efi_cfg.c)
 * and UEFI path helpers (boot/efi/efi_path.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../boot/efi/efi_cfg.h"
#include "host_support.h"

static struct efi_cfg *cfg;

static int setup(void **state)
{
	(void)state;
	cfg = malloc(sizeof(*cfg));
	host_log_reset();
	return cfg ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(cfg);
	return 0;
}

static int parse(const char *text)
{
	return efi_cfg_parse(cfg, "plinth.cfg", text, strlen(text));
}

/* ------------------------------------------------------------ valid input */

static void test_full_config(void **state)
{
	(void)state;
	assert_int_equal(parse("# plinth.cfg\n"
			       "\n"
			       "kernel = hv/plinth.elf\n"
			       "options = loglevel=3 smp=4\n"
			       "  module\t=  guests/cpuid.elf arg1  arg2  \n"
			       "options=test_exit\n"
			       "module = /vms.cfg\n"), 0);
	assert_string_equal(cfg->kernel, "hv/plinth.elf");
	assert_int_equal(cfg->kernel_line, 3);
	assert_string_equal(cfg->options, "loglevel=3 smp=4 test_exit");
	assert_int_equal(cfg->module_count, 2);
	assert_string_equal(cfg->modules[0].path, "guests/cpuid.elf");
	assert_string_equal(cfg->modules[0].string, "guests/cpuid.elf arg1  arg2");
	assert_int_equal(cfg->modules[0].line, 5);
	assert_string_equal(cfg->modules[1].path, "/vms.cfg");
	assert_string_equal(cfg->modules[1].string, "/vms.cfg");
	assert_int_equal(host_log_count(LOG_ERR), 0);
}

static void test_default_kernel_and_empty_file(void **state)
{
	(void)state;
	assert_int_equal(parse(""), 0);
	assert_string_equal(cfg->kernel, EFI_CFG_DEFAULT_KERNEL);
	assert_int_equal(cfg->kernel_line, 0);
	assert_string_equal(cfg->options, "");
	assert_int_equal(cfg->module_count, 0);

	assert_int_equal(parse("options = a\n"), 0);
	assert_string_equal(cfg->kernel, "plinth.elf");
	assert_int_equal(efi_cfg_parse(cfg, "plinth.cfg", NULL, 0), 0);
}

static void test_crlf_bom_and_no_final_newline(void **state)
{
	(void)state;
	assert_int_equal(parse("\xef\xbb\xbfkernel = k.elf\r\n"
			       "# comment\r\n"
			       "module = m.bin x\r\n"
			       "options = last"), 0);
	assert_string_equal(cfg->kernel, "k.elf");
	assert_int_equal(cfg->module_count, 1);
	assert_string_equal(cfg->modules[0].string, "m.bin x");
	assert_int_equal(cfg->modules[0].line, 3);
	assert_string_equal(cfg->options, "last");
}

static void test_empty_options_and_hash_in_value(void **state)
{
	(void)state;
	/* '#' starts a comment only as the first non-blank character. */
	assert_int_equal(parse("options =\n   # indented comment\noptions = a # b\n"), 0);
	assert_string_equal(cfg->options, "a # b");
}

static void test_exactly_max_modules(void **state)
{
	(void)state;
	char text[BOOT_MAX_MODULES * 32];
	size_t n = 0;
	for (unsigned i = 0; i < BOOT_MAX_MODULES; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "module = m%u.bin\n", i);
	assert_int_equal(parse(text), 0);
	assert_int_equal(cfg->module_count, BOOT_MAX_MODULES);
	assert_string_equal(cfg->modules[BOOT_MAX_MODULES - 1].path, "m31.bin");
}

/* ------------------------------------------------------------ bad input */

static void test_missing_equals(void **state)
{
	(void)state;
	assert_int_equal(parse("kernel = a.elf\n\nmodule guests/x.elf\n"), -EINVAL);
	assert_true(host_log_contains("plinth.cfg:3: expected 'key = value'"));
	assert_int_equal(host_log_count(LOG_ERR), 1);
}

static void test_unknown_and_miscased_key(void **state)
{
	(void)state;
	assert_int_equal(parse("Kernel = a.elf\n"), -EINVAL);
	assert_true(host_log_contains("plinth.cfg:1: unknown key 'Kernel'"));
	host_log_reset();
	assert_int_equal(parse("options = x\ninitrd = y\n"), -EINVAL);
	assert_true(host_log_contains("plinth.cfg:2: unknown key 'initrd'"));
	host_log_reset();
	assert_int_equal(parse(" = y\n"), -EINVAL);
	assert_true(host_log_contains("plinth.cfg:1: unknown key ''"));
}

static void test_duplicate_kernel(void **state)
{
	(void)state;
	assert_int_equal(parse("kernel = a.elf\nkernel = b.elf\n"), -EINVAL);
	assert_true(host_log_contains("plinth.cfg:2: kernel is already set on line 1"));
	assert_string_equal(cfg->kernel, "a.elf");
}

static void test_kernel_with_arguments(void **state)
{
	(void)state;
	assert_int_equal(parse("kernel = plinth.elf loglevel=3\n"), -EINVAL);
	assert_true(host_log_contains("plinth.cfg:1: kernel takes one file name"));
}

static void test_empty_file_names(void **state)
{
	(void)state;
	assert_int_equal(parse("kernel =\n"), -EINVAL);
	assert_true(host_log_contains("plinth.cfg:1: kernel needs a file name"));
	host_log_reset();
	assert_int_equal(parse("module =   \t\n"), -EINVAL);
	assert_true(host_log_contains("plinth.cfg:1: module needs a file name"));
	assert_int_equal(cfg->module_count, 0);
}

static void test_too_many_modules(void **state)
{
	(void)state;
	char text[(BOOT_MAX_MODULES + 1) * 32];
	size_t n = 0;
	for (unsigned i = 0; i <= BOOT_MAX_MODULES; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "module = m%u.bin\n", i);
	assert_int_equal(parse(text), -EINVAL);
	assert_true(host_log_contains("plinth.cfg:33: too many modules (at most 32)"));
	assert_int_equal(cfg->module_count, BOOT_MAX_MODULES);
}

static void test_options_too_long(void **state)
{
	(void)state;
	/* Two lines of 600 characters: each fits, together they do not. */
	char text[1400];
	char value[601];
	memset(value, 'o', 600);
	value[600] = '\0';
	snprintf(text, sizeof(text), "options = %s\noptions = %s\n", value, value);
	assert_int_equal(parse(text), -EINVAL);
	assert_true(host_log_contains("plinth.cfg:2: the options are longer than 1023"));
	assert_int_equal(strlen(cfg->options), 600);
}

static void test_options_exactly_fill(void **state)
{
	(void)state;
	char text[BOOT_CMDLINE_MAX + 32];
	char value[BOOT_CMDLINE_MAX];
	memset(value, 'o', BOOT_CMDLINE_MAX - 1);
	value[BOOT_CMDLINE_MAX - 1] = '\0';
	snprintf(text, sizeof(text), "options = %s\n", value);
	assert_int_equal(parse(text), 0);
	assert_int_equal(strlen(cfg->options), BOOT_CMDLINE_MAX - 1);
}

static void test_long_names(void **state)
{
	(void)state;
	char text[1024];
	char name[EFI_CFG_PATH_MAX + 1];
	memset(name, 'n', EFI_CFG_PATH_MAX);
	name[EFI_CFG_PATH_MAX] = '\0';

	snprintf(text, sizeof(text), "kernel = %s\n", name);
	assert_int_equal(parse(text), -EINVAL);
	assert_true(host_log_contains("plinth.cfg:1: kernel file name is longer than 255"));

	host_log_reset();
	snprintf(text, sizeof(text), "module = %s\n", name);
	assert_int_equal(parse(text), -EINVAL);
	assert_true(host_log_contains("plinth.cfg:1: module file name is longer than 255"));

	/* A short name with arguments beyond the module string's size. */
	host_log_reset();
	char args[BOOT_MODSTR_MAX + 1];
	memset(args, 'a', BOOT_MODSTR_MAX);
	args[BOOT_MODSTR_MAX] = '\0';
	snprintf(text, sizeof(text), "module = x.elf %s\n", args);
	assert_int_equal(parse(text), -EINVAL);
	assert_true(host_log_contains("plinth.cfg:1: module line is longer than 255"));
	assert_int_equal(cfg->module_count, 0);
}

static void test_bad_characters(void **state)
{
	(void)state;
	static const char with_nul[] = "kernel = a\0b.elf\n";
	assert_int_equal(efi_cfg_parse(cfg, "plinth.cfg", with_nul, sizeof(with_nul) - 1),
			 -EINVAL);
	assert_true(host_log_contains("plinth.cfg:1: unsupported character 0x00 in column 11"));

	host_log_reset();
	assert_int_equal(parse("options = ok\nmodule = caf\xc3\xa9.elf\n"), -EINVAL);
	assert_true(host_log_contains("plinth.cfg:2: unsupported character 0xc3 in column 13"));
	assert_int_equal(cfg->module_count, 0);

	host_log_reset();
	assert_int_equal(parse("options = a\x1b[2Jb\n"), -EINVAL);
	assert_true(host_log_contains("plinth.cfg:1: unsupported character 0x1b"));

	/* A BOM anywhere but the start is not text either. */
	host_log_reset();
	assert_int_equal(parse("options = a\n\xef\xbb\xbfoptions = b\n"), -EINVAL);
	assert_true(host_log_contains("plinth.cfg:2: unsupported character 0xef"));
}

static void test_every_bad_line_reported(void **state)
{
	(void)state;
	assert_int_equal(parse("kernel = k.elf\n"
			       "bogus\n"
			       "module = ok.bin\n"
			       "size = 3\n"
			       "kernel = again.elf\n"), -EINVAL);
	assert_int_equal(host_log_count(LOG_ERR), 3);
	assert_true(host_log_contains("plinth.cfg:2:"));
	assert_true(host_log_contains("plinth.cfg:4:"));
	assert_true(host_log_contains("plinth.cfg:5:"));
	/* The good lines still took effect. */
	assert_int_equal(cfg->module_count, 1);
}

static void test_null_text_with_length(void **state)
{
	(void)state;
	assert_int_equal(efi_cfg_parse(cfg, "plinth.cfg", NULL, 5), -EINVAL);
	assert_int_equal(host_log_count(LOG_ERR), 1);
}

/* ------------------------------------------------------------ paths */

/* UCS-2 copy of an ASCII string (tests only use ASCII). */
static const uint16_t *u16(const char *s)
{
	static uint16_t bufs[4][600];
	static unsigned next;
	uint16_t *b = bufs[next++ % 4];
	size_t i = 0;
	for (; s[i]; i++)
		b[i] = (uint8_t)s[i];
	b[i] = 0;
	return b;
}

static void assert_u16_equal(const uint16_t *got, const char *want)
{
	char ascii[600];
	size_t i = 0;
	for (; got[i] && i + 1 < sizeof(ascii); i++)
		ascii[i] = got[i] < 0x80 ? (char)got[i] : '?';
	ascii[i] = '\0';
	assert_string_equal(ascii, want);
}

static void test_dir_len(void **state)
{
	(void)state;
	assert_int_equal(efi_path_dir_len(u16("\\EFI\\BOOT\\BOOTX64.EFI")), 9);
	assert_int_equal(efi_path_dir_len(u16("BOOTX64.EFI")), 0);
	assert_int_equal(efi_path_dir_len(u16("\\X.EFI")), 0);
	assert_int_equal(efi_path_dir_len(u16("")), 0);
	assert_int_equal(efi_path_dir_len(u16("\\EFI/plinth/p.efi")), 11);
}

static void test_join(void **state)
{
	(void)state;
	uint16_t out[128];
	const uint16_t *dir = u16("\\EFI\\BOOT");

	assert_int_equal(efi_path_join(out, 128, dir, 9, "plinth.cfg"), 0);
	assert_u16_equal(out, "\\EFI\\BOOT\\plinth.cfg");
	assert_int_equal(efi_path_join(out, 128, dir, 9, "guests/cpuid.elf"), 0);
	assert_u16_equal(out, "\\EFI\\BOOT\\guests\\cpuid.elf");
	assert_int_equal(efi_path_join(out, 128, dir, 9, "a//b\\\\c"), 0);
	assert_u16_equal(out, "\\EFI\\BOOT\\a\\b\\c");
	/* From the root. */
	assert_int_equal(efi_path_join(out, 128, dir, 9, "/vms/vms.cfg"), 0);
	assert_u16_equal(out, "\\vms\\vms.cfg");
	assert_int_equal(efi_path_join(out, 128, dir, 9, "\\top.elf"), 0);
	assert_u16_equal(out, "\\top.elf");
	/* Only dir_len characters of dir count. */
	assert_int_equal(efi_path_join(out, 128, u16("\\EFI\\BOOT\\BOOTX64.EFI"), 9, "x"), 0);
	assert_u16_equal(out, "\\EFI\\BOOT\\x");
	/* Empty directory (image at the root), and one without a leading '\'. */
	assert_int_equal(efi_path_join(out, 128, u16(""), 0, "x.elf"), 0);
	assert_u16_equal(out, "\\x.elf");
	assert_int_equal(efi_path_join(out, 128, NULL, 0, "x.elf"), 0);
	assert_u16_equal(out, "\\x.elf");
	assert_int_equal(efi_path_join(out, 128, u16("EFI\\BOOT\\"), 9, "x"), 0);
	assert_u16_equal(out, "\\EFI\\BOOT\\x");
}

static void test_join_bad_names(void **state)
{
	(void)state;
	uint16_t out[64];
	const uint16_t *dir = u16("\\EFI\\BOOT");
	assert_int_equal(efi_path_join(out, 64, dir, 9, ""), -EINVAL);
	assert_int_equal(efi_path_join(out, 64, dir, 9, "/"), -EINVAL);
	assert_int_equal(efi_path_join(out, 64, dir, 9, "\\\\//"), -EINVAL);
	assert_int_equal(efi_path_join(out, 64, dir, 9, "guests/"), -EINVAL);
}

static void test_join_bounds(void **state)
{
	(void)state;
	uint16_t out[16];
	const uint16_t *dir = u16("\\EFI\\BOOT");
	/* "\EFI\BOOT\abcde" is 15 characters: fits 16 exactly, not 15. */
	for (size_t i = 0; i < 16; i++)
		out[i] = 0xAAAA;
	assert_int_equal(efi_path_join(out, 16, dir, 9, "abcde"), 0);
	assert_u16_equal(out, "\\EFI\\BOOT\\abcde");
	for (size_t i = 0; i < 16; i++)
		out[i] = 0xAAAA;
	assert_int_equal(efi_path_join(out, 15, dir, 9, "abcde"), -E2BIG);
	assert_int_equal(out[15], 0xAAAA);   /* nothing written past out_len */
	assert_int_equal(efi_path_join(out, 1, dir, 9, "a"), -E2BIG);
	assert_int_equal(efi_path_join(out, 0, dir, 9, "a"), -E2BIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_full_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_default_kernel_and_empty_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crlf_bom_and_no_final_newline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_options_and_hash_in_value, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exactly_max_modules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_equals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_and_miscased_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_kernel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kernel_with_arguments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_file_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_many_modules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_options_too_long, setup, teardown),
		cmocka_unit_test_setup_teardown(test_options_exactly_fill, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_characters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_bad_line_reported, setup, teardown),
		cmocka_unit_test_setup_teardown(test_null_text_with_length, setup, teardown),
		cmocka_unit_test(test_dir_len),
		cmocka_unit_test(test_join),
		cmocka_unit_test(test_join_bad_names),
		cmocka_unit_test(test_join_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
