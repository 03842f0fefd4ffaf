/* test_vmcfg.c - vmm/vmcfg.c: valid vms.cfg files (every key, quoting,
 * comments, CRLF), hostile ones (binary, NULs, bad headers, overlong lines,
 * out-of-range numbers, duplicates), the key=value token API the console
 * uses, rendering round trips, and a fixed-seed mutation fuzz loop. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include <plinth/vmcfg.h>
#include <plinth/string.h>
#include "host_support.h"

static struct vm_config vms[VMCFG_MAX_VMS];
static size_t nr;

static int setup(void **state)
{
	host_log_reset();
	memset(vms, 0xA5, sizeof(vms));   /* stale bytes must not leak into results */
	nr = 999;
	return 0;
}

/* Parse len bytes copied into a buffer of exactly that size (no NUL after
 * it), so ASan catches any read past the end. */
static int parse_bytes(const char *bytes, size_t len, size_t max)
{
	char *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	memcpy(copy, bytes, len);
	host_log_reset();
	int errors = vmcfg_parse(copy, len, vms, max, &nr);
	free(copy);
	return errors;
}

static int parse(const char *text)
{
	return parse_bytes(text, strlen(text), VMCFG_MAX_VMS);
}

static void expect_log(const char *needle)
{
	if (!host_log_contains(needle))
		fail_msg("no log record contains '%s' (last problem: '%s')", needle,
			 host_last_problem());
}

/* Parse text, expect exactly 'errors' errors (each logged once) and the
 * named VMs (space-separated, in order) to survive. */
static void expect_parse(const char *text, int errors, const char *names)
{
	int got = parse(text);
	if (got != errors)
		fail_msg("expected %d errors, got %d (last: '%s')", errors, got,
			 host_last_problem());
	assert_int_equal(host_log_count(LOG_ERR), (unsigned)errors);
	char want[256];
	snprintf(want, sizeof(want), "%s", names);
	size_t i = 0;
	for (char *w = strtok(want, " "); w; w = strtok(NULL, " "), i++) {
		if (i >= nr)
			fail_msg("VM '%s' missing (only %zu VMs)", w, nr);
		assert_string_equal(vms[i].name, w);
	}
	assert_int_equal(nr, i);
}

/* ------------------------------------------------------------ valid files */

static void test_issue_example(void **state)
{
	expect_parse("[vm cpuid-test]\n"
		     "image = /boot/guests/cpuid.elf   ; matched against the module\n"
		     "memory = 32M\n"
		     "vcpus = 1\n"
		     "cmdline = \"arg1 arg2\"\n"
		     "modules = /boot/guests/env.txt    ; optional\n"
		     "autostart = yes\n", 0, "cpuid-test");
	struct vm_config *vm = &vms[0];
	assert_int_equal(vm->format, VM_BOOT_MULTIBOOT);
	assert_string_equal(vm->image, "/boot/guests/cpuid.elf");
	assert_int_equal(vm->memory, 32 * MiB);
	assert_int_equal(vm->vcpus, 1);
	assert_string_equal(vm->cmdline, "arg1 arg2");
	assert_int_equal(vm->nr_modules, 1);
	assert_string_equal(vm->modules[0], "/boot/guests/env.txt");
	assert_true(vm->autostart);
	assert_int_equal(vm->weight, VMCFG_WEIGHT_DEFAULT);
	assert_int_equal(vm->cap, 0);
	assert_int_equal(vm->nr_pin_lists, 0);
	assert_int_equal(vm->pin[0], 0);
	assert_int_equal(vm->line, 1);
	assert_string_equal(vm->initrd, "");
}

static void test_every_key(void **state)
{
	expect_parse("# three VMs, one per boot format\n"
		     "[vm mb]\n"
		     "image = /boot/mb.elf\n"
		     "format = multiboot\n"
		     "memory = 1G\n"
		     "vcpus = 4\n"
		     "modules = /boot/a.txt /boot/b.bin\t/boot/c\n"
		     "weight = 512\n"
		     "cap = 50\n"
		     "pin = 0/1/2-3/0,2-3\n"
		     "autostart = off\n"
		     "\n"
		     "[vm flat16]\n"
		     "image = boot.bin\n"
		     "format = flat\n"
		     "entry = real\n"
		     "load_address = 0x7c00\n"
		     "memory = 1M\n"
		     "pin = 1\n"
		     "vcpus = 3\n"
		     "[vm linux_1]\n"
		     "kernel = /boot/bzImage\n"
		     "initrd = /boot/initrd.img\n"
		     "cmdline = \"console=ttyS0 root=/dev/ram0 quiet\"\n"
		     "memory = 262144K\n"
		     "vcpus = 64\n"
		     "weight = 65535\n"
		     "cap = 100\n"
		     "autostart = true\n"
		     "[vm long64]\n"
		     "image = /boot/l.bin\n"
		     "format = flat\n"
		     "entry = long\n"
		     "load_address = 2M\n"
		     "memory = 64G\n"
		     "[vm prot]\n"
		     "image = /boot/p.bin\n"
		     "format = FLAT\n"
		     "entry = protected\n",
		     0, "mb flat16 linux_1 long64 prot");

	struct vm_config *mb = &vms[0], *flat = &vms[1], *lx = &vms[2];
	assert_int_equal(mb->memory, GiB);
	assert_int_equal(mb->vcpus, 4);
	assert_int_equal(mb->nr_modules, 3);
	assert_string_equal(mb->modules[0], "/boot/a.txt");
	assert_string_equal(mb->modules[1], "/boot/b.bin");
	assert_string_equal(mb->modules[2], "/boot/c");
	assert_int_equal(mb->weight, 512);
	assert_int_equal(mb->cap, 50);
	assert_int_equal(mb->nr_pin_lists, 4);
	assert_int_equal(mb->pin[0], 0x1);
	assert_int_equal(mb->pin[1], 0x2);
	assert_int_equal(mb->pin[2], 0xC);
	assert_int_equal(mb->pin[3], 0xD);
	assert_int_equal(mb->pin[4], 0);
	assert_false(mb->autostart);
	assert_int_equal(mb->line, 2);

	assert_int_equal(flat->format, VM_BOOT_FLAT);
	assert_int_equal(flat->entry, VM_ENTRY_REAL);
	assert_int_equal(flat->load_address, 0x7C00);
	assert_int_equal(flat->memory, MiB);
	/* "pin = 1" given before "vcpus = 3": one list for every vCPU. */
	assert_int_equal(flat->nr_pin_lists, 1);
	assert_int_equal(flat->pin[0], 0x2);
	assert_int_equal(flat->pin[1], 0x2);
	assert_int_equal(flat->pin[2], 0x2);
	assert_int_equal(flat->pin[3], 0);

	assert_int_equal(lx->format, VM_BOOT_LINUX);
	assert_string_equal(lx->image, "/boot/bzImage");
	assert_string_equal(lx->initrd, "/boot/initrd.img");
	assert_string_equal(lx->cmdline, "console=ttyS0 root=/dev/ram0 quiet");
	assert_int_equal(lx->memory, 256 * MiB);
	assert_int_equal(lx->vcpus, 64);
	assert_int_equal(lx->weight, 65535);
	assert_int_equal(lx->cap, 100);
	assert_true(lx->autostart);

	assert_int_equal(vms[3].entry, VM_ENTRY_LONG);
	assert_int_equal(vms[3].load_address, 2 * MiB);
	assert_int_equal(vms[3].memory, 64 * GiB);
	assert_int_equal(vms[4].entry, VM_ENTRY_PROTECTED);
	assert_int_equal(vms[4].load_address, VMCFG_FLAT_LOAD_DEFAULT);
	assert_int_equal(vms[4].memory, 32 * MiB);   /* default */
}

static void test_quoting(void **state)
{
	expect_parse("[vm q]\n"
		     "image = \"/boot/q.elf\"   # a quoted path\n"
		     "cmdline = \"a; b # c \\\"d\\\" e\\\\f\"  ; comment after the quote\n"
		     "modules = \"/m/1 /m/2\"\n"
		     "autostart = \"yes\"\n", 0, "q");
	assert_string_equal(vms[0].image, "/boot/q.elf");
	assert_string_equal(vms[0].cmdline, "a; b # c \"d\" e\\f");
	assert_int_equal(vms[0].nr_modules, 2);
	assert_string_equal(vms[0].modules[1], "/m/2");
	assert_true(vms[0].autostart);

	expect_parse("[vm e]\nimage=/e\ncmdline = \"\"\n", 0, "e");
	assert_string_equal(vms[0].cmdline, "");
}

static void test_comments_crlf_case(void **state)
{
	expect_parse("\xEF\xBB\xBF; a BOM, then comments and blank lines\r\n"
		     "\r\n"
		     "   # indented comment\r\n"
		     "\t\r\n"
		     "  [  VM   Win-7_x  ]   ; spaces inside the brackets\r\n"
		     "\tIMAGE\t=\t/boot/w.elf\t\r\n"
		     "Memory=128m\r\n"
		     "vCPUs = 0x2\r\n"
		     "AutoStart = On\r\n"
		     "cmdline = x;y\r\n", 0, "Win-7_x");
	assert_string_equal(vms[0].image, "/boot/w.elf");
	assert_int_equal(vms[0].memory, 128 * MiB);
	assert_int_equal(vms[0].vcpus, 2);
	assert_true(vms[0].autostart);
	assert_string_equal(vms[0].cmdline, "x");   /* ';' outside quotes starts a comment */
	assert_int_equal(vms[0].line, 5);
}

static void test_empty_and_comment_only(void **state)
{
	expect_parse("", 0, "");
	assert_int_equal(vmcfg_parse(NULL, 10, vms, VMCFG_MAX_VMS, &nr), 0);
	assert_int_equal(nr, 0);
	expect_parse("; nothing\n# here\n\n   \n", 0, "");
	expect_parse("\n\n\n", 0, "");
	assert_int_equal(vmcfg_parse("x", 1, NULL, 1, &nr), -EINVAL);
	assert_int_equal(vmcfg_parse("x", 1, vms, 1, NULL), -EINVAL);
	/* max_vms == 0: every VM is one too many. */
	assert_int_equal(parse_bytes("[vm a]\nimage=/a\n", 16, 0), 1);
	expect_log("vms.cfg:1: more than 0 VMs");
	assert_int_equal(nr, 0);
}

static void test_no_trailing_newline(void **state)
{
	expect_parse("[vm a]\nimage = /a\nvcpus = 2", 0, "a");
	assert_int_equal(vms[0].vcpus, 2);
	expect_parse("[vm a]\r\nimage = /a\r\nvcpus = 3\r", 0, "a");
	assert_int_equal(vms[0].vcpus, 3);
	expect_parse("[vm a]", 1, "");
	expect_log("vms.cfg:1: [vm a]: no image or kernel given");
}

/* ------------------------------------------------------------ hostile files */

static void test_binary_noise(void **state)
{
	char noise[4096];
	uint32_t x = 12345;
	for (size_t i = 0; i < sizeof(noise); i++) {
		x = x * 1103515245u + 12345u;
		noise[i] = (char)(x >> 16);
	}
	int errors = parse_bytes(noise, sizeof(noise), VMCFG_MAX_VMS);
	assert_true(errors > 0);
	assert_int_equal(nr, 0);
	/* Reports are capped (32 plus one "more" line) even when lines are many. */
	assert_true(host_log_count(LOG_ERR) <= 33);

	char many[2000];
	memset(many, '\n', sizeof(many));
	for (size_t i = 0; i < sizeof(many); i += 2)
		many[i] = '\x01';
	assert_int_equal(parse_bytes(many, sizeof(many), VMCFG_MAX_VMS), 1000);
	assert_int_equal(host_log_count(LOG_ERR), 33);
	expect_log("more than 32 errors");
}

static void test_nul_bytes(void **state)
{
	static const char text[] = "[vm good]\nimage=/g\n"
				   "[vm bad]\nimage=/b\0x\nmemory=2M\n"
				   "[vm good2]\nimage=/g2\ncmdline=\"a\0b\"\n"
				   "[vm good3]\nimage = /g3 ; comment \0 with NUL\n";
	assert_int_equal(parse_bytes(text, sizeof(text) - 1, VMCFG_MAX_VMS), 3);
	expect_log("vms.cfg:4: control byte 0x00 in column 9");
	expect_log("vms.cfg:8: control byte 0x00");
	expect_log("vms.cfg:10: control byte 0x00");
	expect_log("VM \"bad\" skipped");
	assert_int_equal(nr, 1);
	assert_string_equal(vms[0].name, "good");
}

static void test_bad_headers(void **state)
{
	expect_parse("[vm ok1]\nimage=/1\n"
		     "[vm missing\nimage=/2\n"        /* 3 */
		     "[vm]\nimage=/3\n"               /* 5 */
		     "[vm bad.name]\nimage=/4\n"      /* 7 */
		     "[vm two words]\nimage=/5\n"     /* 9 */
		     "[vm a] trailing\nimage=/6\n"    /* 11 */
		     "[domain x]\nimage=/7\n"         /* 13 */
		     "[]\n"                           /* 15 */
		     "[vm abcdefghijabcdefghijabcdefghijab]\nimage=/8\n"   /* 16: 32 chars */
		     "[vm abcdefghijabcdefghijabcdefghija]\nimage=/9\n"    /* 18: 31 chars */
		     "[vmx]\n"                        /* 20 */
		     "[vm ok2]\nimage=/10\n", 9,
		     "ok1 abcdefghijabcdefghijabcdefghija ok2");
	expect_log("vms.cfg:3: \"[vm missing\": the section header has no ']'");
	expect_log("vms.cfg:5: the VM name is empty");
	expect_log("vms.cfg:7: VM name \"bad.name\" may only have letters");
	expect_log("vms.cfg:9: VM name \"two words\"");
	expect_log("vms.cfg:11: \"[vm a] trailing\": text after ']'");
	expect_log("vms.cfg:13: unknown section \"[domain x]\"");
	expect_log("vms.cfg:15: unknown section \"[]\"");
	expect_log("vms.cfg:16: VM name \"abcdefghijabcdefghijabcdefghijab\" is longer than 31");
	expect_log("vms.cfg:20: unknown section \"[vmx]\"");
	/* The keys after a bad header did not land in the VM before it. */
	assert_string_equal(vms[0].image, "/1");
}

static void test_bad_section_keys_still_checked(void **state)
{
	/* A bad header's keys are validated and reported, but nothing is kept. */
	expect_parse("[vm bad!]\nmemory = 7Q\n[vm ok]\nimage=/o\n", 2, "ok");
	expect_log("vms.cfg:1: VM name");
	expect_log("vms.cfg:2: memory: \"7Q\" is not a size (use K, M or G)");
}

static void test_overlong(void **state)
{
	size_t n = VMCFG_LINE_MAX + 200;
	char *text = malloc(n + 64);
	assert_non_null(text);

	/* A line of exactly VMCFG_LINE_MAX bytes is fine; one more is not (the
	 * line end, "\n" or "\r\n", does not count). */
	char *p = text;
	p += sprintf(p, "[vm a]\nimage=/a\n;");
	memset(p, 'c', VMCFG_LINE_MAX - 1);
	p += VMCFG_LINE_MAX - 1;
	sprintf(p, "\r\n[vm b]\nimage=/b\n");
	expect_parse(text, 0, "a b");

	p = text;
	p += sprintf(p, "[vm a]\nimage=/a\n;");
	memset(p, 'c', VMCFG_LINE_MAX);
	p += VMCFG_LINE_MAX;
	sprintf(p, "\r\n[vm b]\nimage=/b\n");
	expect_parse(text, 1, "b");
	expect_log("vms.cfg:3: the line is longer than 1024 bytes");

	/* A huge line with no line end at all. */
	size_t huge = 1 << 20;
	char *big = malloc(huge);
	assert_non_null(big);
	memset(big, 'x', huge);
	memcpy(big, "[vm a]\nimage=/a\n", 16);
	assert_int_equal(parse_bytes(big, huge, VMCFG_MAX_VMS), 1);
	assert_int_equal(nr, 0);
	free(big);
	free(text);

	char line[VMCFG_LINE_MAX];
	/* Values over their own limits. */
	snprintf(line, sizeof(line), "[vm a]\nimage=/%0256d\n", 0);          /* 257 bytes */
	expect_parse(line, 1, "");
	expect_log("vms.cfg:2: image: \"/0000000000");
	expect_log("is longer than 255 bytes");
	snprintf(line, sizeof(line), "[vm a]\nimage=/%0254d\n", 0);          /* 255 bytes */
	expect_parse(line, 0, "a");
	assert_int_equal(strlen(vms[0].image), 255);
	snprintf(line, sizeof(line), "[vm a]\nimage=/a\ncmdline=\"%0512d\"\n", 0);
	expect_parse(line, 1, "");
	expect_log("vms.cfg:3: cmdline: \"000");
	snprintf(line, sizeof(line), "[vm a]\nimage=/a\ncmdline=%0511d\n", 0);
	expect_parse(line, 0, "a");
	assert_int_equal(strlen(vms[0].cmdline), 511);
	expect_parse("[vm a]\nimage=/a\nmodules=/1 /2 /3 /4 /5 /6 /7 /8 /9\n", 1, "");
	expect_log("vms.cfg:3: modules: more than 8 paths");
	expect_parse("[vm a]\nimage=/a\nmodules=/1 /2 /3 /4 /5 /6 /7 /8\n", 0, "a");
	assert_int_equal(vms[0].nr_modules, 8);
}

static void test_numbers(void **state)
{
	expect_parse("[vm a]\nimage=/a\nmemory = 32Q\n", 1, "");
	expect_log("vms.cfg:3: memory: \"32Q\" is not a size (use K, M or G)");
	expect_parse("[vm a]\nimage=/a\nmemory = 0\n", 1, "");
	expect_log("vms.cfg:3: memory: 0 is out of range (1M..64G)");
	expect_parse("[vm a]\nimage=/a\nmemory = 1020K\n", 1, "");
	expect_parse("[vm a]\nimage=/a\nmemory = 65G\n", 1, "");
	expect_parse("[vm a]\nimage=/a\nmemory = 68719480832\n", 1, "");   /* 64G + 4K */
	expect_parse("[vm a]\nimage=/a\nmemory = 99999999999999999999999G\n", 1, "");
	expect_log("out of range");
	expect_parse("[vm a]\nimage=/a\nmemory = 17179869184G\n", 1, "");   /* 2^34 G: 2^64 */
	expect_parse("[vm a]\nimage=/a\nmemory = 1048577\n", 1, "");
	expect_log("vms.cfg:3: memory: 1048577 is not a multiple of 4K");
	expect_parse("[vm a]\nimage=/a\nmemory = -1M\n", 1, "");
	expect_parse("[vm a]\nimage=/a\nmemory = 32 M\n", 1, "");
	expect_parse("[vm a]\nimage=/a\nmemory = 1052672\n", 0, "a");       /* 1M + 4K */
	assert_int_equal(vms[0].memory, MiB + 4 * KiB);

	expect_parse("[vm a]\nimage=/a\nvcpus = 65\n", 1, "");
	expect_log("vms.cfg:3: vcpus: 65 is out of range (1..64)");
	expect_parse("[vm a]\nimage=/a\nvcpus = 0\n", 1, "");
	expect_parse("[vm a]\nimage=/a\nvcpus = 18446744073709551616\n", 1, "");
	expect_log("vcpus: 18446744073709551616 is out of range");
	expect_parse("[vm a]\nimage=/a\nvcpus = 1K\n", 1, "");   /* no suffix for counts */
	expect_log("vcpus: \"1K\" is not a number");
	expect_parse("[vm a]\nimage=/a\nvcpus = two\n", 1, "");

	expect_parse("[vm a]\nimage=/a\nweight = 0\n", 1, "");
	expect_parse("[vm a]\nimage=/a\nweight = 65536\n", 1, "");
	expect_log("weight: 65536 is out of range (1..65535)");
	expect_parse("[vm a]\nimage=/a\nweight = 1\n", 0, "a");
	assert_int_equal(vms[0].weight, 1);
	expect_parse("[vm a]\nimage=/a\ncap = 101\n", 1, "");
	expect_log("cap: 101 is out of range (0..100)");
	expect_parse("[vm a]\nimage=/a\ncap = 0\n", 0, "a");
}

static void test_unknown_and_malformed_lines(void **state)
{
	expect_parse("[vm a]\nimage=/a\nmemroy = 32M\n[vm b]\nimage=/b\n", 1, "b");
	expect_log("vms.cfg:3: unknown key \"memroy\"");
	expect_log("vms.cfg:1: VM \"a\" skipped");
	expect_parse("[vm a]\nimage=/a\njust some words\n", 1, "");
	expect_log("vms.cfg:3: \"just some words\": expected \"key = value\" or \"[vm NAME]\"");
	expect_parse("[vm a]\nimage=/a\n= 5\n", 1, "");
	expect_log("vms.cfg:3: no key before '='");
	expect_parse("[vm a]\nimage=\n", 1, "");
	expect_log("vms.cfg:2: image: no value");
	expect_parse("[vm a]\nimage= ; only a comment\n", 1, "");
	expect_parse("[vm a]\nimage=/a b\n", 1, "");
	expect_log("image: \"/a b\" has a space");
	expect_parse("[vm a]\nimage=/\xC3\xA9\n", 1, "");
	expect_log("image: \"/??\" has a space, control or non-ASCII byte");
	expect_parse("[vm a]\nimage=/a\nautostart = maybe\n", 1, "");
	expect_log("autostart: \"maybe\" is not yes/no");
	expect_parse("[vm a]\nimage=/a\nformat = elf\n", 1, "");
	expect_parse("[vm a]\nimage=/a\nformat=flat\nentry = v86\n", 1, "");
	expect_parse("[vm a]\nimage=/a\ncmdline=\"tab\there\"\n", 1, "");
	expect_log("cmdline: \"tab?here\" has a control");
}

static void test_quote_errors(void **state)
{
	expect_parse("[vm a]\nimage=/a\ncmdline = \"unterminated ; x\n[vm b]\nimage=/b\n", 1, "b");
	expect_log("vms.cfg:3: cmdline: the quote is not closed");
	expect_parse("[vm a]\nimage=/a\ncmdline = \"x\" y\n", 1, "");
	expect_log("vms.cfg:3: cmdline: text after the closing quote");
	expect_parse("[vm a]\nimage=/a\ncmdline = a\"b\"\n", 1, "");
	expect_log("quotes must enclose the whole value");
	expect_parse("[vm a]\nimage=/a\ncmdline = \"a\\nb\"\n", 1, "");
	expect_log("only \\\" and \\\\ may follow a backslash");
	expect_parse("[vm a]\nimage=/a\ncmdline = \"a\\\"\n", 1, "");   /* escaped close */
	expect_log("the quote is not closed");
}

static void test_duplicates(void **state)
{
	expect_parse("[vm a]\nimage=/a1\n[vm b]\nimage=/b\n[vm a]\nimage=/a2\n", 1, "a b");
	expect_log("vms.cfg:5: VM \"a\" is already defined on line 1");
	assert_string_equal(vms[0].image, "/a1");
	/* Names are case-sensitive. */
	expect_parse("[vm a]\nimage=/a1\n[vm A]\nimage=/a2\n", 0, "a A");

	expect_parse("[vm a]\nimage=/a\nmemory=2M\nMEMORY=4M\n[vm b]\nimage=/b\n", 1, "b");
	expect_log("vms.cfg:4: memory: given twice");
	expect_parse("[vm a]\nimage=/a\nkernel=/k\n", 1, "");
	expect_log("vms.cfg:3: kernel: image is already given");
	expect_parse("[vm a]\nkernel=/k\nimage=/a\n", 1, "");
	expect_log("vms.cfg:3: image: kernel is already given");
}

static void test_outside_section_and_missing_image(void **state)
{
	expect_parse("memory = 32M\n; c\nimage = /x\n[vm a]\nimage=/a\n", 2, "a");
	expect_log("vms.cfg:1: memory: a key outside any [vm NAME] section");
	expect_log("vms.cfg:3: image: a key outside");
	assert_int_equal(vms[0].memory, 32 * MiB);

	expect_parse("[vm ok]\nimage=/o\n\n[vm noimg]\nmemory = 64M\nvcpus=2\n[vm ok2]\nimage=/p\n",
		     1, "ok ok2");
	expect_log("vms.cfg:4: [vm noimg]: no image or kernel given");
}

static void test_too_many_vms(void **state)
{
	char text[4096], *p = text;
	for (int i = 0; i < VMCFG_MAX_VMS + 2; i++)
		p += sprintf(p, "[vm v%d]\nimage = /v%d\nmemory = bad\n", i, i);
	/* Every section has a bad memory line; a bad VM frees its slot, so all
	 * 18 are checked and reported. */
	assert_int_equal(parse(text), VMCFG_MAX_VMS + 2);
	assert_int_equal(nr, 0);

	p = text;
	for (int i = 0; i < VMCFG_MAX_VMS + 2; i++)
		p += sprintf(p, "[vm v%d]\nimage = /v%d\n", i, i);
	assert_int_equal(parse(text), 2);
	assert_int_equal(nr, VMCFG_MAX_VMS);
	assert_string_equal(vms[15].name, "v15");
	expect_log("vms.cfg:33: more than 16 VMs; [vm v16] is skipped");
	expect_log("vms.cfg:35: more than 16 VMs; [vm v17] is skipped");

	/* A bad VM frees its slot for the next one. */
	static const char three[] = "[vm a]\n[vm b]\nimage=/b\n[vm c]\nimage=/c\n";
	assert_int_equal(parse_bytes(three, strlen(three), 2), 1);
	assert_int_equal(nr, 2);
	assert_string_equal(vms[0].name, "b");
	assert_string_equal(vms[1].name, "c");
}

static void test_format_cross_checks(void **state)
{
	expect_parse("[vm a]\nimage=/a\ninitrd=/i\n", 1, "");
	expect_log("vms.cfg:1: [vm a]: initrd: only a kernel (Linux) takes an initrd");
	expect_parse("[vm a]\nkernel=/k\nmodules=/m\n", 1, "");
	expect_log("modules: only multiboot images take modules");
	expect_parse("[vm a]\nimage=/a\nformat=flat\nmodules=/m\n", 1, "");
	expect_parse("[vm a]\nimage=/a\nformat=flat\ncmdline=x\n", 1, "");
	expect_log("cmdline: a flat image has no command line");
	expect_parse("[vm a]\nimage=/a\nentry=real\n", 1, "");
	expect_log("entry: only for format = flat");
	/* A kernel takes its 32-bit (protected) or 64-bit (long) entry,
	 * not a real-mode one. */
	expect_parse("[vm a]\nkernel=/k\nentry=real\n", 1, "");
	expect_log("entry: only for format = flat, and protected or long for a kernel");
	expect_parse("[vm a]\nkernel=/k\nentry=long\n[vm b]\nkernel=/k\nentry=protected\n", 0,
		     "a b");
	assert_int_equal(vms[0].entry, VM_ENTRY_LONG);
	assert_int_equal(vms[1].entry, VM_ENTRY_PROTECTED);
	expect_parse("[vm a]\nkernel=/k\nload_address=0\n", 1, "");
	expect_log("load_address: only for format = flat");
	expect_parse("[vm a]\nkernel=/k\nformat=flat\n", 1, "");
	expect_log("vms.cfg:3: format: is for image only");
	expect_parse("[vm a]\nformat=multiboot\nkernel=/k\n", 1, "");
	expect_log("vms.cfg:3: kernel: format is for image only");
	expect_parse("[vm a]\nimage=/a\nformat=flat\nload_address=1M\n", 1, "");
	expect_log("load_address: 0x100000 is above 1M, which real mode cannot reach");
	expect_parse("[vm a]\nimage=/a\nformat=flat\nload_address=0xFFFFF\n", 0, "a");
	expect_parse("[vm a]\nimage=/a\nformat=flat\nentry=long\nload_address=32M\n", 1, "");
	expect_log("load_address: 0x2000000 is beyond the VM's memory");
	expect_parse("[vm a]\nimage=/a\nformat=flat\nentry=long\nload_address=32M\nmemory=33M\n",
		     0, "a");
	expect_parse("[vm a]\nimage=/a\nformat=flat\nload_address=64G\n", 1, "");
	expect_log("load_address: 64G is out of range");
}

static void test_pin(void **state)
{
	static const struct { const char *value; int vcpus; int errors; uint64_t pin0, pin1; } cases[] = {
		{ "1", 2, 0, 0x2, 0x2 },
		{ "0-1", 2, 0, 0x3, 0x3 },
		{ "0/1", 2, 0, 0x1, 0x2 },
		{ " 0 , 2 - 3 / 63 ", 2, 0, 0xD, 1ull << 63 },
		{ "0-63", 1, 0, ~0ull, 0 },
		{ "0/1/2", 2, 1, 0, 0 },      /* 3 lists, 2 vCPUs */
		{ "0/1", 1, 1, 0, 0 },
		{ "64", 1, 1, 0, 0 },
		{ "0-64", 1, 1, 0, 0 },
		{ "99999999999999999999", 1, 1, 0, 0 },
		{ "3-1", 1, 1, 0, 0 },
		{ "a", 1, 1, 0, 0 },
		{ "0,,1", 1, 1, 0, 0 },
		{ "0//1", 2, 1, 0, 0 },
		{ "0/", 1, 1, 0, 0 },
		{ "1-", 1, 1, 0, 0 },
		{ "1 2", 1, 1, 0, 0 },
		{ "-1", 1, 1, 0, 0 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char text[256];
		snprintf(text, sizeof(text), "[vm a]\nimage=/a\nvcpus=%d\npin = \"%s\"\n",
			 cases[i].vcpus, cases[i].value);
		int errors = parse(text);
		if (errors != cases[i].errors)
			fail_msg("pin '%s': %d errors, expected %d (%s)", cases[i].value, errors,
				 cases[i].errors, host_last_problem());
		if (!errors) {
			assert_int_equal(vms[0].pin[0], cases[i].pin0);
			assert_int_equal(vms[0].pin[1], cases[i].pin1);
		}
	}
	parse("[vm a]\nimage=/a\npin=64\n");
	expect_log("vms.cfg:3: pin: CPU 64 is out of range (0..63)");
	parse("[vm a]\nimage=/a\npin=3-1\n");
	expect_log("pin: range 3-1 is backwards");
	parse("[vm a]\nimage=/a\nvcpus=2\npin=0/1/2\n");
	expect_log("vms.cfg:1: [vm a]: pin: 3 lists for 2 vCPUs");

	/* 64 lists is the most; 65 is too many. */
	char text[512], *p = text;
	p += sprintf(p, "[vm a]\nimage=/a\nvcpus=64\npin=");
	for (int i = 0; i < 64; i++)
		p += sprintf(p, i ? "/%d" : "%d", i);
	sprintf(p, "\n");
	expect_parse(text, 0, "a");
	assert_int_equal(vms[0].nr_pin_lists, 64);
	assert_int_equal(vms[0].pin[63], 1ull << 63);
	sprintf(p, "/0\n");
	expect_parse(text, 1, "");
	expect_log("pin: more than 64 lists");
}

static void test_bool_words(void **state)
{
	static const char *const yes[] = { "yes", "true", "on", "1", "YES", "True" };
	static const char *const no[] = { "no", "false", "off", "0", "NO", "Off" };
	char text[128];
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		snprintf(text, sizeof(text), "[vm a]\nimage=/a\nautostart=%s\n", yes[i]);
		expect_parse(text, 0, "a");
		assert_true(vms[0].autostart);
		snprintf(text, sizeof(text), "[vm a]\nimage=/a\nautostart=%s\n", no[i]);
		expect_parse(text, 0, "a");
		assert_false(vms[0].autostart);
	}
	expect_parse("[vm a]\nimage=/a\nautostart=2\n", 1, "");
	expect_parse("[vm a]\nimage=/a\nautostart=yess\n", 1, "");
}

/* ------------------------------------------------------------ token API */

static void test_token_api(void **state)
{
	struct vm_config vm;
	char why[VMCFG_WHY_MAX];

	vmcfg_init(&vm);
	assert_int_equal(vmcfg_finish(&vm, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "the VM has no name");
	assert_int_equal(vmcfg_set_name(&vm, "web", 3, why, sizeof(why)), 0);
	assert_int_equal(vmcfg_finish(&vm, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "no image or kernel given");

	static const char *const tokens[] = {
		"image=/boot/web.elf", "memory=64M", "vcpus = 2", "cmdline=\"a b\"", "pin=1/0",
	};
	for (size_t i = 0; i < ARRAY_SIZE(tokens); i++)
		if (vmcfg_set_token(&vm, tokens[i], strlen(tokens[i]), why, sizeof(why)) != 0)
			fail_msg("token '%s': %s", tokens[i], why);
	assert_int_equal(vmcfg_finish(&vm, why, sizeof(why)), 0);
	assert_int_equal(vm.memory, 64 * MiB);
	assert_int_equal(vm.vcpus, 2);
	assert_string_equal(vm.cmdline, "a b");
	assert_int_equal(vm.pin[0], 2);
	assert_int_equal(vm.pin[1], 1);

	/* A failed set leaves the VM as it was. */
	struct vm_config before = vm;
	assert_int_equal(vmcfg_set_token(&vm, "memory=128M", 11, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "memory: given twice");
	assert_int_equal(vmcfg_set_token(&vm, "weight=0", 8, why, sizeof(why)), -EINVAL);
	assert_int_equal(vmcfg_set_token(&vm, "modules=/a /b\x01", 14, why, sizeof(why)), -EINVAL);
	assert_int_equal(vmcfg_set_token(&vm, "modules=/a /b /c /d /e /f /g /h /i", 34, why,
					 sizeof(why)), -EINVAL);
	assert_int_equal(vmcfg_set_token(&vm, "load_address=1x", 15, why, sizeof(why)), -EINVAL);
	assert_int_equal(vmcfg_set_token(&vm, "novalue", 7, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "\"novalue\" is not key=value");
	assert_int_equal(vmcfg_set(&vm, "cap", 3, "5\0", 2, why, sizeof(why)), -EINVAL);
	assert_int_equal(vmcfg_set(&vm, "entry", 5, "real\0", 5, why, sizeof(why)), -EINVAL);
	assert_int_equal(memcmp(&before, &vm, sizeof(vm)), 0);

	/* A tiny why buffer is truncated, never overrun; NULL why is allowed. */
	char tiny[4];
	assert_int_equal(vmcfg_set_token(&vm, "bogus=1", 7, tiny, sizeof(tiny)), -EINVAL);
	assert_string_equal(tiny, "unk");
	assert_int_equal(vmcfg_set_token(&vm, "bogus=1", 7, NULL, 0), -EINVAL);

	/* Names. */
	assert_int_equal(vmcfg_set_name(&vm, "", 0, why, sizeof(why)), -EINVAL);
	assert_int_equal(vmcfg_set_name(&vm, "a b", 3, why, sizeof(why)), -EINVAL);
	assert_int_equal(vmcfg_set_name(&vm, "a\0b", 3, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "VM name \"a?b\" may only have letters, digits, '_' and '-'");
	assert_string_equal(vm.name, "web");

	/* Long garbage values are shown shortened in the reason. */
	char big[600];
	memset(big, 'z', sizeof(big));
	memcpy(big, "weight=", 7);
	assert_int_equal(vmcfg_set_token(&vm, big, sizeof(big), why, sizeof(why)), -EINVAL);
	assert_true(strlen(why) < 80);
	assert_non_null(strstr(why, "zzz...\""));
	char huge[VMCFG_LINE_MAX + 20];
	memset(huge, 'z', sizeof(huge));
	memcpy(huge, "initrd=", 7);
	assert_int_equal(vmcfg_set_token(&vm, huge, sizeof(huge), why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "initrd: the value is longer than 1024 bytes");

	assert_string_equal(vmcfg_key_name(VMCFG_KEY_LOAD_ADDRESS), "load_address");
	assert_string_equal(vmcfg_key_name(VMCFG_KEY_COUNT), "?");
	assert_string_equal(vmcfg_format_name(VM_BOOT_LINUX), "linux");
	assert_string_equal(vmcfg_entry_name(VM_ENTRY_PROTECTED), "protected");
	assert_string_equal(vmcfg_entry_name((enum vm_entry_mode)7), "?");
}

/* ------------------------------------------------------------ rendering */

/* Does vm survive render -> parse unchanged (apart from keys_set/line)? */
static void assert_round_trip(const struct vm_config *vm)
{
	static struct vm_config again[2];
	char text[8192];
	size_t n = 0;
	int len = vmcfg_render(vm, text, sizeof(text));
	assert_true(len > 0 && (size_t)len < sizeof(text));
	assert_int_equal(strlen(text), (size_t)len);
	host_log_reset();
	int errors = vmcfg_parse(text, (size_t)len, again, 2, &n);
	if (errors || n != 1)
		fail_msg("rendered VM does not parse (%d errors: %s):\n%s", errors,
			 host_last_problem(), text);
	struct vm_config a, b;
	memcpy(&a, vm, sizeof(a));
	memcpy(&b, &again[0], sizeof(b));
	a.keys_set = b.keys_set = 0;
	a.line = b.line = 0;
	if (memcmp(&a, &b, sizeof(a)) != 0)
		fail_msg("round trip changed the VM:\n%s", text);
}

static void test_render(void **state)
{
	expect_parse("[vm mb]\nimage=/boot/mb.elf\nmemory=1G\nvcpus=4\n"
		     "modules=/a /b\nweight=512\ncap=50\npin=0/1/2-3/0,2-3,5-7\n"
		     "cmdline=\"quote\\\" back\\\\ ;#\"\nautostart=yes\n"
		     "[vm f]\nimage=/f\nformat=flat\nentry=protected\nload_address=0x1234\n"
		     "memory=1028K\n"
		     "[vm l]\nkernel=/k\ninitrd=/i\ncmdline=console=ttyS0\nmemory=3076M\n"
		     "pin=0-63\nvcpus=3\n"
		     "[vm plain]\nimage=/p\n"
		     "[vm l64]\nkernel=/k\nentry=long\n",
		     0, "mb f l plain l64");
	for (size_t i = 0; i < nr; i++)
		assert_round_trip(&vms[i]);

	char text[1024];
	int len = vmcfg_render(&vms[0], text, sizeof(text));
	assert_string_equal(text,
			    "[vm mb]\n"
			    "image = /boot/mb.elf\n"
			    "format = multiboot\n"
			    "memory = 1G\n"
			    "vcpus = 4\n"
			    "cmdline = \"quote\\\" back\\\\ ;#\"\n"
			    "modules = /a /b\n"
			    "autostart = yes\n"
			    "weight = 512\n"
			    "cap = 50\n"
			    "pin = 0/1/2-3/0,2-3,5-7\n");
	/* Truncation: the length of the whole text, the prefix NUL-terminated. */
	char small[16];
	memset(small, 'X', sizeof(small));
	assert_int_equal(vmcfg_render(&vms[0], small, sizeof(small)), len);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_memory_equal(small, text, sizeof(small) - 1);
	assert_int_equal(vmcfg_render(&vms[0], NULL, 0), len);
	for (size_t size = 0; size < (size_t)len + 2; size++) {
		char *buf = malloc(size ? size : 1);
		assert_non_null(buf);
		assert_int_equal(vmcfg_render(&vms[0], size ? buf : NULL, size), len);
		if (size)
			assert_int_equal(strlen(buf), MIN(size - 1, (size_t)len));
		free(buf);
	}

	vmcfg_render(&vms[1], text, sizeof(text));
	assert_non_null(strstr(text, "format = flat\nentry = protected\nload_address = 0x1234\n"
				     "memory = 1028K\n"));
	vmcfg_render(&vms[2], text, sizeof(text));
	assert_non_null(strstr(text, "kernel = /k\ninitrd = /i\nmemory = 3076M\nvcpus = 3\n"));
	assert_non_null(strstr(text, "pin = 0-63\n"));
}

static void test_path_matches(void **state)
{
	assert_true(vmcfg_path_matches("/boot/guests/cpuid.elf", "/boot/guests/cpuid.elf"));
	assert_true(vmcfg_path_matches("/boot/guests/cpuid.elf", "/boot/guests/cpuid.elf a b"));
	assert_true(vmcfg_path_matches("cpuid.elf", "/boot/guests/cpuid.elf a b"));
	assert_true(vmcfg_path_matches("cpuid.elf", "cpuid.elf"));
	assert_true(vmcfg_path_matches("cpuid.elf", "  /x/cpuid.elf\targ"));
	assert_false(vmcfg_path_matches("cpuid.elf", "/boot/guests/cpuid.elf2"));
	assert_false(vmcfg_path_matches("cpuid", "/boot/guests/cpuid.elf"));
	assert_false(vmcfg_path_matches("guests/cpuid.elf", "/boot/guests/cpuid.elf"));
	assert_false(vmcfg_path_matches("/other/cpuid.elf", "/boot/guests/cpuid.elf"));
	assert_false(vmcfg_path_matches("a", "b a"));     /* only the first word counts */
	assert_false(vmcfg_path_matches("", "x"));
	assert_false(vmcfg_path_matches("x", ""));
	assert_false(vmcfg_path_matches(NULL, "x"));
	assert_false(vmcfg_path_matches("x", NULL));
}

/* ------------------------------------------------------------ fuzz */

static uint64_t rng_state;

static uint32_t rng(void)
{
	/* xorshift64*: deterministic, seeded once per run. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545F4914F6CDD1Dull) >> 32);
}

static const char fuzz_seed_text[] =
	"; fuzz corpus\n"
	"[vm alpha]\nimage = /boot/a.elf\nmemory = 32M\nvcpus = 2\n"
	"cmdline = \"x \\\"y\\\" ; z\"\nmodules = /m1 /m2\nautostart = yes\npin = 0/1\n"
	"[vm beta]\r\nkernel = /bz\r\ninitrd = /ird\r\nweight = 7\r\ncap = 9\r\n"
	"[vm gamma]\nimage = /g\nformat = flat\nentry = long\nload_address = 0x1000\n"
	"[vm delta]\nimage = d.elf\n";

/* Check what the parser promises about every VM it returns. */
static void check_returned_vm(const struct vm_config *vm)
{
	char why[VMCFG_WHY_MAX];
	assert_true(memchr(vm->name, 0, sizeof(vm->name)) != NULL);
	assert_true(vm->name[0] != 0);
	assert_true(memchr(vm->image, 0, sizeof(vm->image)) != NULL);
	assert_true(memchr(vm->cmdline, 0, sizeof(vm->cmdline)) != NULL);
	assert_true(vm->image[0] != 0);
	assert_true(vm->memory >= VMCFG_MEMORY_MIN && vm->memory <= VMCFG_MEMORY_MAX);
	assert_true(IS_ALIGNED(vm->memory, VMCFG_MEMORY_ALIGN));
	assert_true(vm->vcpus >= 1 && vm->vcpus <= VMCFG_MAX_VCPUS);
	assert_true(vm->weight >= 1);
	assert_true(vm->cap <= VMCFG_CAP_MAX);
	assert_true(vm->nr_modules <= VMCFG_MAX_MODULES);
	struct vm_config copy = *vm;
	assert_int_equal(vmcfg_finish(&copy, why, sizeof(why)), 0);
	assert_round_trip(vm);
}

static void test_fuzz(void **state)
{
	static const char *const inserts[] = {
		"[", "]", "=", "\"", "\\", "\n", "\r", ";", "#", " ", "[vm x]\n", "\0",
		"99999999999999999999", "0x", "K", "-", "/", ",", "image=/i\n", "\xff",
	};
	size_t seed_len = sizeof(fuzz_seed_text) - 1;
	char *buf = malloc(seed_len * 4 + 64);
	assert_non_null(buf);
	rng_state = 0x9E3779B97F4A7C15ull;
	assert_int_equal(parse_bytes(fuzz_seed_text, seed_len, VMCFG_MAX_VMS), 0);
	assert_int_equal(nr, 4);
	size_t total_vms = 0;

	for (int iter = 0; iter < 4000; iter++) {
		size_t len = seed_len;
		memcpy(buf, fuzz_seed_text, len);
		int mutations = 1 + (int)(rng() % 8);
		for (int m = 0; m < mutations; m++) {
			size_t at = len ? rng() % (len + 1) : 0;
			switch (rng() % 5) {
			case 0:   /* flip a byte */
				if (len && at < len)
					buf[at] = (char)rng();
				break;
			case 1: { /* insert a token */
				const char *t = inserts[rng() % ARRAY_SIZE(inserts)];
				size_t tl = t[0] ? strlen(t) : 1;
				if (len + tl > seed_len * 4)
					break;
				memmove(buf + at + tl, buf + at, len - at);
				memcpy(buf + at, t, tl);
				len += tl;
				break;
			}
			case 2:   /* delete a run */
				if (at < len) {
					size_t want = 1 + rng() % 16;
					size_t n = MIN(len - at, want);
					memmove(buf + at, buf + at + n, len - at - n);
					len -= n;
				}
				break;
			case 3:   /* truncate */
				len = at;
				break;
			case 4: { /* duplicate a run */
				size_t want = rng() % 64;
				size_t n = MIN(len - at, want);
				if (len + n > seed_len * 4)
					break;
				memmove(buf + at + n, buf + at, len - at);
				len += n;
				break;
			}
			}
		}
		size_t max = 1 + rng() % VMCFG_MAX_VMS;
		int errors = parse_bytes(buf, len, max);
		assert_true(errors >= 0);
		assert_true(nr <= max);
		assert_int_equal(host_log_count(LOG_ERR), errors <= 32 ? (unsigned)errors : 33);
		size_t got = nr;
		total_vms += got;
		static struct vm_config kept[VMCFG_MAX_VMS];
		memcpy(kept, vms, sizeof(kept));
		for (size_t i = 0; i < got; i++) {
			check_returned_vm(&kept[i]);
			for (size_t j = 0; j < i; j++)
				assert_string_not_equal(kept[i].name, kept[j].name);
		}
	}
	free(buf);
	/* The mutations are light enough that many VMs survive: the loop also
	 * exercised the success path, not only rejection. */
	assert_true(total_vms > 1000);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, NULL)
	const struct CMUnitTest tests[] = {
		T(test_issue_example),
		T(test_every_key),
		T(test_quoting),
		T(test_comments_crlf_case),
		T(test_empty_and_comment_only),
		T(test_no_trailing_newline),
		T(test_binary_noise),
		T(test_nul_bytes),
		T(test_bad_headers),
		T(test_bad_section_keys_still_checked),
		T(test_overlong),
		T(test_numbers),
		T(test_unknown_and_malformed_lines),
		T(test_quote_errors),
		T(test_duplicates),
		T(test_outside_section_and_missing_image),
		T(test_too_many_vms),
		T(test_format_cross_checks),
		T(test_pin),
		T(test_bool_words),
		T(test_token_api),
		T(test_render),
		T(test_path_matches),
		T(test_fuzz),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
