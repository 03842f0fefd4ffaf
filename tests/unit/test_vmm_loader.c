/* test_vmm_loader.c - loading a guest: ELF32/ELF64 program headers
 * (vmm/loader_elf.c), Multiboot 1 images with and without the a.out kludge
 * (vmm/loader_mb1.c), the guest-physical layout that keeps image, modules
 * and boot information apart (vmm/loader_layout.c), the Multiboot 1
 * information block (vmm/mb1_info.c) and flat images (vmm/flat_load.c),
 * with valid and hostile inputs. */
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
#define RAM      (16 * MiB)

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)v); put16(p + 2, (uint16_t)(v >> 16)); }
static void put64(uint8_t *p, uint64_t v) { put32(p, (uint32_t)v); put32(p + 4, (uint32_t)(v >> 32)); }
static uint32_t get32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }

/* ------------------------------------------------------------ images */

/* A Multiboot 1 header at off with flags (checksum fixed). */
static void put_mb1_header(uint8_t *img, size_t off, uint32_t flags)
{
	put32(img + off, MB1_HEADER_MAGIC);
	put32(img + off + 4, flags);
	put32(img + off + 8, (uint32_t)-(MB1_HEADER_MAGIC + flags));
}

/* An ELF32 i386 executable with two PT_LOAD segments (text 0x100 bytes at
 * file 0x1000 -> 1 MiB; data 0x80 bytes at 0x2000 -> 0x101000 with 0x1000
 * bytes of memory) and a PT_NOTE, entry 0x100010; a Multiboot header with
 * flags 0 at file 0x1000 (the start of text). */
static uint8_t *make_elf32(void)
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
	put_mb1_header(img, 0x1000, 0);
	return img;
}

/* The same layout as ELF64 x86-64: segments at 2 MiB (text, vaddr
 * 0xFFFFFFFF80200000) and 0x201000, entry in text at +0x20. */
static uint8_t *make_elf64(void)
{
	uint8_t *img = calloc(1, IMG_SIZE);
	assert_non_null(img);
	memcpy(img, "\x7f" "ELF", 4);
	img[4] = 2; img[5] = 1; img[6] = 1;
	put16(img + 16, 2);
	put16(img + 18, 62);                          /* EM_X86_64 */
	put32(img + 20, 1);
	put64(img + 24, 0xFFFFFFFF80200020ull);       /* e_entry (virtual) */
	put64(img + 32, 64);                          /* e_phoff */
	put16(img + 52, 64);
	put16(img + 54, 56);
	put16(img + 56, 2);
	uint8_t *ph = img + 64;
	put32(ph, 1); put64(ph + 8, 0x1000); put64(ph + 16, 0xFFFFFFFF80200000ull);
	put64(ph + 24, 0x200000); put64(ph + 32, 0x100); put64(ph + 40, 0x100);
	ph += 56;
	put32(ph, 1); put64(ph + 8, 0x2000); put64(ph + 16, 0xFFFFFFFF80201000ull);
	put64(ph + 24, 0x201000); put64(ph + 32, 0x80); put64(ph + 40, 0x3000);
	memset(img + 0x1000, 0xCC, 0x100);
	memset(img + 0x2000, 0xDD, 0x80);
	put_mb1_header(img, 0x1000, MB1_FLAG_PAGE_ALIGN | MB1_FLAG_MEMORY);
	return img;
}

/* ------------------------------------------------------------ a recording sink */

struct loaded {
	uint64_t gpa[4], filesz[4], memsz[4];
	uint8_t first[4];
	unsigned n;
	int fail_at;
	struct guest_layout layout;   /* every piece is reserved here too */
};

static int record(void *ctx, uint64_t gpa, const uint8_t *data, uint64_t filesz, uint64_t memsz)
{
	struct loaded *l = ctx;
	if ((int)l->n == l->fail_at)
		return -EFAULT;
	assert_true(l->n < 4);
	assert_true(filesz <= memsz);
	int err = layout_reserve(&l->layout, gpa, memsz, "the image");
	if (err)
		return err;
	l->gpa[l->n] = gpa;
	l->filesz[l->n] = filesz;
	l->memsz[l->n] = memsz;
	l->first[l->n] = filesz ? data[0] : 0;
	l->n++;
	return 0;
}

static struct image_sink sink_for(struct loaded *l)
{
	memset(l, 0, sizeof(*l));
	l->fail_at = -1;
	layout_init(&l->layout, RAM);
	host_log_reset();
	return (struct image_sink){ .write = record, .ctx = l, .min_gpa = MiB, .max_gpa = RAM };
}

static int load_elf(const uint8_t *img, size_t size, struct loaded *l, uint64_t *entry)
{
	struct image_sink s = sink_for(l);
	return elf_load(img, size, &s, entry);
}

static int load_mb1(const uint8_t *img, size_t size, struct loaded *l, uint32_t *entry)
{
	struct image_sink s = sink_for(l);
	return mb1_load(img, size, &s, entry);
}

/* ------------------------------------------------------------ ELF */

static void test_elf32_valid(void **state)
{
	uint8_t *img = make_elf32();
	struct loaded l;
	uint64_t entry = 0;
	assert_int_equal(load_elf(img, IMG_SIZE, &l, &entry), 0);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.gpa[0], 0x100000);
	assert_int_equal(l.filesz[0], 0x100);
	assert_int_equal(l.first[0], 0x02);   /* text starts with the Multiboot header */
	assert_int_equal(l.gpa[1], 0x101000);
	assert_int_equal(l.filesz[1], 0x80);
	assert_int_equal(l.memsz[1], 0x1000);
	assert_int_equal(l.first[1], 0xBB);
	assert_int_equal(entry, 0x100010);
	/* Virtual != physical: the entry is translated through its segment. */
	put32(img + 52 + 8, 0xC0100000);
	put32(img + 24, 0xC0100010);
	assert_int_equal(load_elf(img, IMG_SIZE, &l, &entry), 0);
	assert_int_equal(entry, 0x100010);
	free(img);
}

static void test_elf64_valid(void **state)
{
	uint8_t *img = make_elf64();
	struct loaded l;
	uint64_t entry = 0;
	assert_int_equal(load_elf(img, IMG_SIZE, &l, &entry), 0);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.gpa[0], 0x200000);
	assert_int_equal(l.first[0], 0x02);
	assert_int_equal(l.gpa[1], 0x201000);
	assert_int_equal(l.memsz[1], 0x3000);
	assert_int_equal(l.first[1], 0xDD);
	assert_int_equal(entry, 0x200020);   /* physical, through the text segment */
	free(img);
}

static void expect_bad_elf(uint8_t *img, size_t size, const char *msg)
{
	struct loaded l;
	uint64_t entry;
	assert_int_equal(load_elf(img, size, &l, &entry), -ENOEXEC);
	assert_int_equal(l.n, 0);                      /* nothing was loaded */
	assert_true(host_log_count(LOG_ERR) >= 1);
	if (!strstr(host_last_problem(), msg))
		fail_msg("expected '%s' in '%s'", msg, host_last_problem());
}

static void test_elf_hostile(void **state)
{
	uint8_t *img = make_elf32();
	expect_bad_elf(img, 15, "not an ELF");                 /* shorter than e_ident */
	expect_bad_elf(img, 51, "shorter than an ELF32");      /* truncated header */
	img[0] = 0;
	expect_bad_elf(img, IMG_SIZE, "not an ELF");
	free(img);

	img = make_elf32();
	img[4] = 3;                                            /* no such class */
	expect_bad_elf(img, IMG_SIZE, "class");
	free(img);

	img = make_elf32();
	img[5] = 2;                                            /* big-endian */
	expect_bad_elf(img, IMG_SIZE, "little-endian");
	free(img);

	img = make_elf32();
	put16(img + 18, 62);                                   /* EM_X86_64 in an ELF32 */
	expect_bad_elf(img, IMG_SIZE, "ELF32 (i386)");
	free(img);

	img = make_elf64();
	put16(img + 18, 3);                                    /* EM_386 in an ELF64 */
	expect_bad_elf(img, IMG_SIZE, "ELF64 (x86-64)");
	free(img);

	img = make_elf32();
	put16(img + 16, 3);                                    /* ET_DYN */
	expect_bad_elf(img, IMG_SIZE, "executable");
	free(img);

	img = make_elf32();
	put32(img + 28, 0xFFFFFFF0);                           /* phoff past the end (and wrapping) */
	expect_bad_elf(img, IMG_SIZE, "outside");
	free(img);

	img = make_elf64();
	put64(img + 32, 0xFFFFFFFFFFFFFFF0ull);                /* 64-bit phoff that wraps */
	expect_bad_elf(img, IMG_SIZE, "outside");
	free(img);

	img = make_elf32();
	put16(img + 44, 0xFFFF);                               /* huge phnum */
	expect_bad_elf(img, IMG_SIZE, "outside");
	free(img);

	img = calloc(1, 0x4000);                               /* many headers that fit: capped */
	uint8_t *proto = make_elf32();
	memcpy(img, proto, 0x100);
	free(proto);
	put16(img + 44, ELF_MAX_PHDRS + 1);
	expect_bad_elf(img, 0x4000, "program headers");
	free(img);

	img = make_elf32();
	put16(img + 42, 56);                                   /* wrong phentsize */
	expect_bad_elf(img, IMG_SIZE, "program headers");
	free(img);

	img = make_elf32();
	put32(img + 52 + 16, 0xFFFFFFFF);                      /* filesz beyond file and memsz */
	expect_bad_elf(img, IMG_SIZE, "exceed");
	free(img);

	img = make_elf32();
	put32(img + 52 + 4, 0xFFFFFF00);                       /* offset + filesz wraps */
	expect_bad_elf(img, IMG_SIZE, "exceed");
	free(img);

	img = make_elf64();
	put64(img + 64 + 40, 0xFFFFFFFFFFFFFF00ull);           /* memsz: paddr + memsz wraps */
	put64(img + 64 + 32, 0x10);
	expect_bad_elf(img, IMG_SIZE, "outside guest RAM");
	free(img);

	img = make_elf32();
	put32(img + 52 + 12, 0x1000);                          /* below min_gpa */
	expect_bad_elf(img, IMG_SIZE, "outside guest RAM");
	free(img);

	img = make_elf32();
	put32(img + 52 + 64 + 12, 0xFFFFF000);                 /* paddr + memsz past RAM */
	put32(img + 52 + 64 + 20, 0x2000);
	expect_bad_elf(img, IMG_SIZE, "outside guest RAM");
	free(img);

	img = make_elf32();
	put32(img + 52 + 64 + 12, 0x100080);                   /* data overlaps text */
	expect_bad_elf(img, IMG_SIZE, "overlap");
	free(img);

	img = make_elf32();
	put32(img + 24, 0x500000);                             /* entry in no segment */
	expect_bad_elf(img, IMG_SIZE, "entry point");
	free(img);

	img = make_elf32();
	put32(img + 52, 6);                                    /* no PT_LOAD left */
	put32(img + 52 + 64, 6);
	expect_bad_elf(img, IMG_SIZE, "no loadable");
	free(img);
}

static void test_elf_sink_error(void **state)
{
	uint8_t *img = make_elf32();
	struct loaded l;
	struct image_sink s = sink_for(&l);
	uint64_t entry;
	l.fail_at = 1;
	assert_int_equal(elf_load(img, IMG_SIZE, &s, &entry), -EFAULT);
	free(img);
}

/* ------------------------------------------------------------ Multiboot 1 */

static void test_mb1_elf(void **state)
{
	struct loaded l;
	uint32_t entry = 0;
	uint8_t *img = make_elf32();                           /* flags 0: ELF headers */
	assert_int_equal(load_mb1(img, IMG_SIZE, &l, &entry), 0);
	assert_int_equal(entry, 0x100010);
	assert_int_equal(l.n, 2);
	free(img);

	img = make_elf64();                                    /* ELF64, flags 0|1 */
	assert_int_equal(load_mb1(img, IMG_SIZE, &l, &entry), 0);
	assert_int_equal(entry, 0x200020);
	assert_int_equal(l.gpa[0], 0x200000);
	free(img);
}

/* A flat a.out-kludge image: header at file 0x40; the file is loaded at
 * 0x100000 (header_addr 0x100040), 0x800 bytes, bss to 0x102000, entry at
 * 0x100100. Not ELF. */
static uint8_t *make_kludge(size_t *size)
{
	uint8_t *img = calloc(1, 0x1000);
	assert_non_null(img);
	*size = 0x1000;
	put_mb1_header(img, 0x40, MB1_FLAG_AOUT_KLUDGE | MB1_FLAG_MEMORY);
	put32(img + 0x40 + 12, 0x100040);     /* header_addr */
	put32(img + 0x40 + 16, 0x100000);     /* load_addr */
	put32(img + 0x40 + 20, 0x100800);     /* load_end_addr */
	put32(img + 0x40 + 24, 0x102000);     /* bss_end_addr */
	put32(img + 0x40 + 28, 0x100100);     /* entry_addr */
	img[0] = 0x5A;
	return img;
}

static void fix_checksum(uint8_t *img, size_t off)
{
	put32(img + off + 8, (uint32_t)-(get32(img + off) + get32(img + off + 4)));
}

static void expect_bad_mb1(uint8_t *img, size_t size, const char *msg)
{
	struct loaded l;
	uint32_t entry;
	assert_int_equal(load_mb1(img, size, &l, &entry), -ENOEXEC);
	assert_int_equal(l.n, 0);
	assert_true(host_log_count(LOG_ERR) >= 1);
	if (!strstr(host_last_problem(), msg))
		fail_msg("expected '%s' in '%s'", msg, host_last_problem());
}

static void test_mb1_kludge(void **state)
{
	struct loaded l;
	uint32_t entry = 0;
	size_t size;
	uint8_t *img = make_kludge(&size);
	assert_int_equal(load_mb1(img, size, &l, &entry), 0);
	assert_int_equal(entry, 0x100100);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.gpa[0], 0x100000);
	assert_int_equal(l.filesz[0], 0x800);
	assert_int_equal(l.memsz[0], 0x2000);
	assert_int_equal(l.first[0], 0x5A);

	/* load_end_addr 0: the rest of the file; bss_end 0: no bss. */
	put32(img + 0x40 + 20, 0);
	put32(img + 0x40 + 24, 0);
	assert_int_equal(load_mb1(img, size, &l, &entry), 0);
	assert_int_equal(l.filesz[0], 0x1000);
	assert_int_equal(l.memsz[0], 0x1000);
	free(img);

	/* The kludge wins over the ELF headers (spec §3.1.3, as GRUB). */
	img = make_elf32();
	put_mb1_header(img, 0x1000, MB1_FLAG_AOUT_KLUDGE);
	put32(img + 0x1000 + 12, 0x300000);   /* header at file 0x1000 -> 0x300000 */
	put32(img + 0x1000 + 16, 0x2FF000);   /* load from file 0 */
	put32(img + 0x1000 + 20, 0x300100);
	put32(img + 0x1000 + 24, 0);
	put32(img + 0x1000 + 28, 0x300010);
	assert_int_equal(load_mb1(img, IMG_SIZE, &l, &entry), 0);
	assert_int_equal(entry, 0x300010);
	assert_int_equal(l.gpa[0], 0x2FF000);
	assert_int_equal(l.filesz[0], 0x1100);
	free(img);
}

static void test_mb1_hostile(void **state)
{
	size_t size;
	uint8_t *img = calloc(1, 0x3000);
	expect_bad_mb1(img, 0x3000, "no Multiboot 1 header");
	put_mb1_header(img, 0x2000, 0);                        /* beyond the first 8 KiB */
	expect_bad_mb1(img, 0x3000, "no Multiboot 1 header");
	put_mb1_header(img, 0x1FF6, 0);                        /* not 4-aligned */
	expect_bad_mb1(img, 0x3000, "no Multiboot 1 header");
	put_mb1_header(img, 0x100, 0);                         /* found, but not ELF, no kludge */
	expect_bad_mb1(img, 0x3000, "not ELF");
	put32(img + 0x108, 0);                                 /* bad checksum */
	expect_bad_mb1(img, 0x3000, "checksum");
	expect_bad_mb1(img, 10, "no Multiboot 1 header");      /* truncated */
	free(img);

	img = make_elf32();
	put_mb1_header(img, 0x1000, MB1_FLAG_VIDEO);           /* wants a video mode */
	expect_bad_mb1(img, IMG_SIZE, "video");
	put_mb1_header(img, 0x1000, 1u << 9);                  /* unknown required flag */
	expect_bad_mb1(img, IMG_SIZE, "0x200");
	put_mb1_header(img, 0x1000, 1u << 20);                 /* unknown optional flag: fine */
	struct loaded l;
	uint32_t entry;
	assert_int_equal(load_mb1(img, IMG_SIZE, &l, &entry), 0);
	free(img);

	img = make_kludge(&size);
	expect_bad_mb1(img, 0x40 + 20, "pass the end");        /* kludge fields truncated */
	put32(img + 0x40 + 16, 0x100080);                      /* load_addr above header_addr */
	expect_bad_mb1(img, size, "load_addr");
	put32(img + 0x40 + 16, 0xF0000);                       /* before the start of the file */
	expect_bad_mb1(img, size, "before the start");
	free(img);

	img = make_kludge(&size);
	put32(img + 0x40 + 20, 0x100000);                      /* load_end == load_addr */
	expect_bad_mb1(img, size, "load_end_addr");
	put32(img + 0x40 + 20, 0x101001);                      /* load_end past the file */
	expect_bad_mb1(img, size, "past the end");
	free(img);

	img = make_kludge(&size);
	put32(img + 0x40 + 24, 0x100400);                      /* bss_end below load_end */
	expect_bad_mb1(img, size, "bss_end_addr");
	free(img);

	img = make_kludge(&size);
	put32(img + 0x40 + 24, 0xFFFFF000);                    /* bss past RAM */
	expect_bad_mb1(img, size, "outside guest RAM");
	free(img);

	img = make_kludge(&size);
	put32(img + 0x40 + 28, 0x100900);                      /* entry in bss, not loaded */
	expect_bad_mb1(img, size, "entry_addr");
	free(img);

	img = make_kludge(&size);
	put32(img + 0x40 + 12, 0x1040);                        /* loads below min_gpa */
	put32(img + 0x40 + 16, 0x1000);
	put32(img + 0x40 + 20, 0x1800);
	put32(img + 0x40 + 24, 0);
	put32(img + 0x40 + 28, 0x1100);
	fix_checksum(img, 0x40);
	expect_bad_mb1(img, size, "outside guest RAM");
	free(img);
}

/* ------------------------------------------------------------ layout */

static void test_layout(void **state)
{
	struct guest_layout l;
	uint64_t base = 0;

	layout_init(&l, 4 * MiB);
	host_log_reset();
	assert_int_equal(layout_reserve(&l, 0xA0000, 0x60000, "the legacy hole"), 0);
	assert_int_equal(layout_reserve(&l, 0x100000, 0x2000, "the image"), 0);
	/* Overlaps name both users. */
	assert_int_equal(layout_reserve(&l, 0x101000, 0x1000, "module 1"), -EBUSY);
	assert_true(host_log_contains("module 1 at [0x101000, 0x102000) overlaps the image"));
	assert_int_equal(layout_reserve(&l, 0x0FF000, 0x1001, "module 1"), -EBUSY);
	/* Outside RAM, empty, wrapping. */
	assert_int_equal(layout_reserve(&l, 4 * MiB - 0x1000, 0x2000, "x"), -ERANGE);
	assert_int_equal(layout_reserve(&l, 0x200000, 0, "x"), -ERANGE);
	assert_int_equal(layout_reserve(&l, 0xFFFFFFFFFFFFF000ull, 0x2000, "x"), -ERANGE);
	/* Placement: first fit after the image, aligned. */
	assert_int_equal(layout_place(&l, 0x1800, 0x1000, MiB, 4 * MiB, "module 1", &base), 0);
	assert_int_equal(base, 0x102000);
	assert_int_equal(layout_place(&l, 0x10, 0x1000, MiB, 4 * MiB, "module 2", &base), 0);
	assert_int_equal(base, 0x104000);
	/* Low memory: below the hole, skipping page 0 via lo. */
	assert_int_equal(layout_place(&l, 0x300, 8, 0x1000, MB1_LOW_RAM_END, "info", &base), 0);
	assert_int_equal(base, 0x1000);
	assert_int_equal(layout_place(&l, 0x300, 8, 0x1000, MB1_LOW_RAM_END, "info 2", &base), 0);
	assert_int_equal(base, 0x1300);
	/* A gap between ranges is used when big enough. */
	assert_int_equal(layout_reserve(&l, 0x200000, 0x1000, "a"), 0);
	assert_int_equal(layout_reserve(&l, 0x203000, 0x1000, "b"), 0);
	assert_int_equal(layout_place(&l, 0x2000, 0x1000, 0x200000, 4 * MiB, "gap", &base), 0);
	assert_int_equal(base, 0x201000);
	/* Too big for what is left, and bad arguments. */
	host_log_reset();
	assert_int_equal(layout_place(&l, 4 * MiB, 0x1000, MiB, 4 * MiB, "huge", &base), -ENOSPC);
	assert_true(host_log_contains("huge: no free"));
	assert_int_equal(layout_place(&l, 0x1000, 0x1000, 3 * MiB, 2 * MiB, "inverted", &base), -ENOSPC);
	assert_int_equal(layout_place(&l, 0xFFFFFFFFFFFFF000ull, 0x1000, 0, ~0ull, "wrap", &base), -ENOSPC);
	assert_int_equal(layout_place(&l, 0x1000, 3, 0, 4 * MiB, "x", &base), -EINVAL);
	assert_int_equal(layout_place(&l, 0, 8, 0, 4 * MiB, "x", &base), -EINVAL);
	/* used[] stays sorted and disjoint. */
	for (unsigned i = 1; i < l.nr; i++)
		assert_true(l.used[i - 1].end <= l.used[i].base);
	/* The table fills up. */
	layout_init(&l, 1 * GiB);
	for (unsigned i = 0; i < LAYOUT_MAX_RANGES; i++)
		assert_int_equal(layout_reserve(&l, (uint64_t)i * 0x2000, 0x1000, "piece"), 0);
	assert_int_equal(layout_reserve(&l, 0x100000, 0x1000, "one more"), -ENOSPC);
}

/* ------------------------------------------------------------ boot information */

static void test_mb1_info_basic(void **state)
{
	uint8_t buf[512];
	struct mb1_info_desc d = { .ram_size = 16 * MiB, .cmdline = "arg1 arg2" };
	int n = mb1_info_build(buf, sizeof(buf), 0x9000, &d);
	assert_int_equal(n, mb1_info_size(&d));
	assert_true(n > (int)MB1_INFO_SIZE);
	uint32_t flags = get32(buf);
	assert_true(flags & MB1_INFO_MEM);
	assert_true(flags & MB1_INFO_MMAP);
	assert_true(flags & MB1_INFO_CMDLINE);
	assert_false(flags & MB1_INFO_MODS);
	assert_int_equal(get32(buf + 4), 640);
	assert_int_equal(get32(buf + 8), 15 * 1024);
	/* Pointers are guest-physical, inside the block. */
	uint32_t cmd = get32(buf + 16) - 0x9000;
	assert_true(cmd < (uint32_t)n);
	assert_string_equal((char *)buf + cmd, "arg1 arg2");
	uint32_t name = get32(buf + 64) - 0x9000;
	assert_string_equal((char *)buf + name, "plinth");
	/* The memory map: low RAM, the legacy hole (reserved), the rest. */
	uint32_t mlen = get32(buf + 44), maddr = get32(buf + 48) - 0x9000;
	assert_int_equal(mlen, 3 * 24);
	assert_int_equal(get32(buf + maddr), 20);                  /* entry size */
	assert_int_equal(get32(buf + maddr + 4), 0);               /* base low */
	assert_int_equal(get32(buf + maddr + 12), 640 * 1024);     /* length low */
	assert_int_equal(get32(buf + maddr + 20), 1);              /* available */
	assert_int_equal(get32(buf + maddr + 24 + 4), 0xA0000);
	assert_int_equal(get32(buf + maddr + 24 + 12), 0x60000);
	assert_int_equal(get32(buf + maddr + 24 + 20), 2);         /* reserved */
	assert_int_equal(get32(buf + maddr + 48 + 4), 0x100000);
	assert_int_equal(get32(buf + maddr + 48 + 12), 15 * MiB);
	assert_int_equal(get32(buf + maddr + 48 + 20), 1);

	/* The command line is always present, even empty. */
	d.cmdline = "";
	n = mb1_info_build(buf, sizeof(buf), 0x9000, &d);
	assert_true(n > 0);
	assert_true(get32(buf) & MB1_INFO_CMDLINE);
	assert_string_equal((char *)buf + get32(buf + 16) - 0x9000, "");

	/* 1 MiB of RAM: no upper memory, two map entries. */
	d.ram_size = MiB;
	n = mb1_info_build(buf, sizeof(buf), 0x9000, &d);
	assert_true(n > 0);
	assert_int_equal(get32(buf + 8), 0);
	assert_int_equal(get32(buf + 44), 2 * 24);

	/* RAM above 4 GiB: mem_upper stops at 4 GiB. */
	d.ram_size = 6 * GiB;
	n = mb1_info_build(buf, sizeof(buf), 0x9000, &d);
	assert_true(n > 0);
	assert_int_equal(get32(buf + 8), (uint32_t)((4 * GiB - MiB) / KiB));
}

static void test_mb1_info_modules(void **state)
{
	uint8_t buf[1024];
	const struct mb1_module mods[2] = {
		{ .start = 0x200000, .end = 0x200123, .string = "env.txt a=1" },
		{ .start = 0x201000, .end = 0x201000, .string = "" },   /* empty file */
	};
	struct mb1_info_desc d = { .ram_size = 32 * MiB, .cmdline = "x", .modules = mods,
				   .nr_modules = 2 };
	int n = mb1_info_build(buf, sizeof(buf), 0x1000, &d);
	assert_int_equal(n, mb1_info_size(&d));
	assert_true(get32(buf) & MB1_INFO_MODS);
	assert_int_equal(get32(buf + 20), 2);                      /* mods_count */
	uint32_t mods_off = get32(buf + 24) - 0x1000;
	assert_true(mods_off + 32 <= (uint32_t)n);
	assert_int_equal(get32(buf + mods_off), 0x200000);
	assert_int_equal(get32(buf + mods_off + 4), 0x200123);
	assert_string_equal((char *)buf + get32(buf + mods_off + 8) - 0x1000, "env.txt a=1");
	assert_int_equal(get32(buf + mods_off + 16), 0x201000);
	assert_string_equal((char *)buf + get32(buf + mods_off + 16 + 8) - 0x1000, "");
	/* Every string pointer lands inside the block. */
	assert_true(get32(buf + 64) - 0x1000 < (uint32_t)n);

	/* Bad descriptions and small buffers. */
	assert_int_equal(mb1_info_build(buf, (size_t)n - 1, 0x1000, &d), -ENOSPC);
	assert_int_equal(mb1_info_build(buf, sizeof(buf), 0xFFFFFFF0u, &d), -ENOSPC);
	d.nr_modules = MB1_MAX_MODULES + 1;
	assert_int_equal(mb1_info_size(&d), -EINVAL);
	d.nr_modules = 2;
	d.ram_size = MiB - 4096;
	assert_int_equal(mb1_info_build(buf, sizeof(buf), 0x1000, &d), -EINVAL);
	d.ram_size = 32 * MiB;
	d.cmdline = NULL;
	assert_int_equal(mb1_info_size(&d), -EINVAL);
	d.cmdline = "";
	const struct mb1_module bad[1] = { { .start = 0x2000, .end = 0x1000, .string = "x" } };
	d.modules = bad;
	d.nr_modules = 1;
	assert_int_equal(mb1_info_size(&d), -EINVAL);
	assert_int_equal(mb1_info_size(NULL), -EINVAL);
}

/* ------------------------------------------------------------ flat images */

static void test_flat(void **state)
{
	uint16_t cs = 1, ip = 1;
	host_log_reset();
	assert_int_equal(flat_check(512, 0x7C00, 32 * MiB, true), 0);
	assert_int_equal(flat_check(0x400, 0xFFC00, 32 * MiB, true), 0);          /* ends at 1 MiB */
	assert_int_equal(flat_check(0x401, 0xFFC00, 32 * MiB, true), -ENOEXEC);   /* crosses it */
	assert_true(host_log_contains("reach of real mode"));
	assert_int_equal(flat_check(0x401, 0xFFC00, 32 * MiB, false), 0);         /* fine in PM */
	assert_int_equal(flat_check(0x1000, MiB - 0x1000, MiB, true), 0);
	assert_int_equal(flat_check(0x1001, MiB - 0x1000, MiB, false), -ENOEXEC);
	assert_true(host_log_contains("end of guest RAM"));
	assert_int_equal(flat_check(0, 0x7C00, 32 * MiB, true), -ENOEXEC);
	assert_true(host_log_contains("empty"));
	assert_int_equal(flat_check(16, ~0ull - 4, 32 * MiB, false), -ENOEXEC);   /* wraps */
	assert_int_equal(flat_check(~0ull, 0x1000, 32 * MiB, false), -ENOEXEC);

	flat_real_mode_start(0x7C00, &cs, &ip);
	assert_int_equal(cs, 0);
	assert_int_equal(ip, 0x7C00);
	flat_real_mode_start(0x12345, &cs, &ip);
	assert_int_equal(cs, 0x1234);
	assert_int_equal(ip, 5);
	assert_int_equal(cs * 16 + ip, 0x12345);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_elf32_valid),
		cmocka_unit_test(test_elf64_valid),
		cmocka_unit_test(test_elf_hostile),
		cmocka_unit_test(test_elf_sink_error),
		cmocka_unit_test(test_mb1_elf),
		cmocka_unit_test(test_mb1_kludge),
		cmocka_unit_test(test_mb1_hostile),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_mb1_info_basic),
		cmocka_unit_test(test_mb1_info_modules),
		cmocka_unit_test(test_flat),
	};
	host_log_quiet(true);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
