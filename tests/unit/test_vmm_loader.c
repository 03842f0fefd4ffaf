/* test_vmm_loader.c - loading a guest image: ELF32 program headers
 * (vmm/elf32_load.c) with valid and hostile images, and the Multiboot 1
 * information block (vmm/mb1_info.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <plinth/compiler.h>
#include "../../vmm/loader.h"
#include "host_support.h"

#define IMG_SIZE 0x3000

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)v); put16(p + 2, (uint16_t)(v >> 16)); }
static uint32_t get32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }

/* An ELF32 i386 executable with two PT_LOAD segments (text 0x100 bytes at
 * file 0x1000 -> 1 MiB; data 0x80 bytes at 0x2000 -> 0x101000 with 0x1000
 * bytes of memory) and a PT_NOTE, entry 0x100010. */
static uint8_t *make_image(void)
{
	uint8_t *img = calloc(1, IMG_SIZE);
	assert_non_null(img);
	memcpy(img, "\x7f" "ELF", 4);
	img[4] = 1; img[5] = 1; img[6] = 1;
	put16(img + 16, 2);          /* ET_EXEC */
	put16(img + 18, 3);          /* EM_386 */
	put32(img + 20, 1);
	put32(img + 24, 0x100010);   /* e_entry */
	put32(img + 28, 52);         /* e_phoff */
	put16(img + 40, 52);
	put16(img + 42, 32);
	put16(img + 44, 3);
	uint8_t *ph = img + 52;
	put32(ph, 1); put32(ph + 4, 0x1000); put32(ph + 8, 0x100000); put32(ph + 12, 0x100000);
	put32(ph + 16, 0x100); put32(ph + 20, 0x100);
	ph += 32;
	put32(ph, 4); put32(ph + 4, 0x10); put32(ph + 16, 0x10); put32(ph + 20, 0x10);   /* PT_NOTE */
	ph += 32;
	put32(ph, 1); put32(ph + 4, 0x2000); put32(ph + 8, 0x101000); put32(ph + 12, 0x101000);
	put32(ph + 16, 0x80); put32(ph + 20, 0x1000);
	memset(img + 0x1000, 0xAA, 0x100);
	memset(img + 0x2000, 0xBB, 0x80);
	return img;
}

struct loaded { uint32_t paddr[4], filesz[4], memsz[4]; uint8_t first[4]; unsigned n; int fail_at; };

static int record(void *ctx, uint32_t paddr, const uint8_t *data, uint32_t filesz, uint32_t memsz)
{
	struct loaded *l = ctx;
	if ((int)l->n == l->fail_at)
		return -EFAULT;
	assert_true(l->n < 4);
	l->paddr[l->n] = paddr;
	l->filesz[l->n] = filesz;
	l->memsz[l->n] = memsz;
	l->first[l->n] = filesz ? data[0] : 0;
	l->n++;
	return 0;
}

static int load(const uint8_t *img, size_t size, struct loaded *l, uint32_t *entry)
{
	memset(l, 0, sizeof(*l));
	l->fail_at = -1;
	host_log_reset();
	return elf32_load(img, size, 0x100000, 16 * MiB, record, l, entry);
}

static void test_elf_valid(void **state)
{
	uint8_t *img = make_image();
	struct loaded l;
	uint32_t entry = 0;
	assert_int_equal(load(img, IMG_SIZE, &l, &entry), 0);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.paddr[0], 0x100000);
	assert_int_equal(l.filesz[0], 0x100);
	assert_int_equal(l.first[0], 0xAA);
	assert_int_equal(l.paddr[1], 0x101000);
	assert_int_equal(l.filesz[1], 0x80);
	assert_int_equal(l.memsz[1], 0x1000);
	assert_int_equal(l.first[1], 0xBB);
	assert_int_equal(entry, 0x100010);
	/* Virtual != physical: the entry is translated through its segment. */
	put32(img + 52 + 8, 0xC0100000);
	put32(img + 24, 0xC0100010);
	assert_int_equal(load(img, IMG_SIZE, &l, &entry), 0);
	assert_int_equal(entry, 0x100010);
	free(img);
}

static void expect_bad(uint8_t *img, size_t size, const char *msg)
{
	struct loaded l;
	uint32_t entry;
	assert_int_equal(load(img, size, &l, &entry), -ENOEXEC);
	assert_true(host_log_count(LOG_ERR) >= 1);
	assert_non_null(strstr(host_last_problem(), msg));
}

static void test_elf_hostile(void **state)
{
	uint8_t *img = make_image();
	expect_bad(img, 51, "not an ELF");                     /* truncated header */
	img[0] = 0;
	expect_bad(img, IMG_SIZE, "not an ELF");
	free(img);

	img = make_image();
	img[4] = 2;                                            /* ELFCLASS64 */
	expect_bad(img, IMG_SIZE, "32-bit");
	free(img);

	img = make_image();
	put16(img + 18, 62);                                   /* EM_X86_64 */
	expect_bad(img, IMG_SIZE, "i386");
	free(img);

	img = make_image();
	put32(img + 28, 0xFFFFFFF0);                           /* phoff past the end (and wrapping) */
	expect_bad(img, IMG_SIZE, "outside");
	free(img);

	img = make_image();
	put16(img + 44, 0xFFFF);                               /* huge phnum */
	expect_bad(img, IMG_SIZE, "outside");
	free(img);

	img = make_image();
	put16(img + 42, 56);                                   /* wrong phentsize */
	expect_bad(img, IMG_SIZE, "program headers");
	free(img);

	img = make_image();
	put32(img + 52 + 16, 0xFFFFFFFF);                      /* filesz beyond file and memsz */
	expect_bad(img, IMG_SIZE, "exceed");
	free(img);

	img = make_image();
	put32(img + 52 + 4, 0xFFFFFF00);                       /* offset + filesz wraps */
	expect_bad(img, IMG_SIZE, "exceed");
	free(img);

	img = make_image();
	put32(img + 52 + 12, 0x1000);                          /* below min_paddr */
	expect_bad(img, IMG_SIZE, "outside guest RAM");
	free(img);

	img = make_image();
	put32(img + 52 + 64 + 12, 0xFFFFF000);                 /* paddr + memsz wraps 4 GiB */
	put32(img + 52 + 64 + 20, 0x2000);
	expect_bad(img, IMG_SIZE, "outside guest RAM");
	free(img);

	img = make_image();
	put32(img + 24, 0x500000);                             /* entry in no segment */
	expect_bad(img, IMG_SIZE, "entry point");
	free(img);

	img = make_image();
	put32(img + 52, 6);                                    /* no PT_LOAD left */
	put32(img + 52 + 64, 6);
	expect_bad(img, IMG_SIZE, "no loadable");
	free(img);
}

static void test_elf_copy_error(void **state)
{
	uint8_t *img = make_image();
	struct loaded l;
	uint32_t entry;
	memset(&l, 0, sizeof(l));
	l.fail_at = 1;
	assert_int_equal(elf32_load(img, IMG_SIZE, 0x100000, 16 * MiB, record, &l, &entry), -EFAULT);
	free(img);
}

static void test_mb1_info(void **state)
{
	uint8_t buf[512];
	int n = mb1_info_build(buf, sizeof(buf), 0x9000, 16 * MiB, "guest-cpuid.elf");
	assert_true(n > (int)MB1_INFO_SIZE);
	uint32_t flags = get32(buf);
	assert_true(flags & MB1_INFO_MEM);
	assert_true(flags & MB1_INFO_MMAP);
	assert_true(flags & MB1_INFO_CMDLINE);
	assert_int_equal(get32(buf + 4), 640);
	assert_int_equal(get32(buf + 8), 15 * 1024);
	/* Pointers are guest-physical, inside the block. */
	uint32_t cmd = get32(buf + 16) - 0x9000;
	assert_true(cmd < (uint32_t)n);
	assert_string_equal((char *)buf + cmd, "guest-cpuid.elf");
	uint32_t name = get32(buf + 64) - 0x9000;
	assert_string_equal((char *)buf + name, "plinth");
	uint32_t mlen = get32(buf + 44), maddr = get32(buf + 48) - 0x9000;
	assert_int_equal(mlen, 48);
	assert_int_equal(get32(buf + maddr), 20);                  /* entry size */
	assert_int_equal(get32(buf + maddr + 4), 0);               /* base low */
	assert_int_equal(get32(buf + maddr + 12), 640 * 1024);     /* length low */
	assert_int_equal(get32(buf + maddr + 20), 1);              /* available */
	assert_int_equal(get32(buf + maddr + 24 + 4), 0x100000);
	assert_int_equal(get32(buf + maddr + 24 + 12), 15 * MiB);
	/* Too small a buffer, too little RAM. */
	assert_int_equal(mb1_info_build(buf, MB1_INFO_SIZE, 0x9000, 16 * MiB, "x"), -ENOSPC);
	assert_int_equal(mb1_info_build(buf, sizeof(buf), 0x9000, MiB, "x"), -EINVAL);
	/* RAM above 4 GiB: mem_upper stops at 4 GiB. */
	n = mb1_info_build(buf, sizeof(buf), 0x9000, 6 * GiB, "");
	assert_true(n > 0);
	assert_int_equal(get32(buf + 8), (uint32_t)((4 * GiB - MiB) / KiB));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_elf_valid),
		cmocka_unit_test(test_elf_hostile),
		cmocka_unit_test(test_elf_copy_error),
		cmocka_unit_test(test_mb1_info),
	};
	host_log_quiet(true);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
