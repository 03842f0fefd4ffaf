/* test_buddy.c - the buddy page allocator (mm/buddy.c) and the boot-time
 * zone plan (mm/pmm_plan.c). Physical addresses are fake: the allocator
 * never touches the memory it manages, only its malloc'd metadata. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include <plinth/boot_info.h>
#include <plinth/buddy.h>
#include "host_support.h"

#define PG BUDDY_PAGE_SIZE

/* A test allocator with malloc'd metadata per zone. */
struct fixture {
	struct buddy b;
	void *meta[BUDDY_MAX_ZONES + 4];
	unsigned nmeta;
};

static struct fixture *fx_new(void)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	buddy_init(&f->b);
	host_log_reset();
	return f;
}

static int fx_zone(struct fixture *f, paddr_t base, uint64_t npages)
{
	size_t sz = buddy_meta_size(npages);
	void *m = malloc(sz);
	assert_non_null(m);
	f->meta[f->nmeta++] = m;
	return buddy_add_zone(&f->b, base, npages, m, sz);
}

static void fx_free(struct fixture *f)
{
	for (unsigned i = 0; i < f->nmeta; i++)
		free(f->meta[i]);
	free(f);
}

static uint64_t blocks_of_order(const struct buddy *b, unsigned k)
{
	uint64_t c[BUDDY_MAX_ORDER + 1];
	buddy_free_blocks(b, c);
	return c[k];
}

static uint64_t total_blocks(const struct buddy *b)
{
	uint64_t c[BUDDY_MAX_ORDER + 1], n = 0;
	buddy_free_blocks(b, c);
	for (unsigned k = 0; k <= BUDDY_MAX_ORDER; k++)
		n += c[k];
	return n;
}

/* ---------------------------------------------------------------- zones */

static void test_zone_validation(void **state)
{
	(void)state;
	struct fixture *f = fx_new();
	static uint32_t meta[4096];

	assert_int_equal(buddy_add_zone(&f->b, 0x1000 + 1, 16, meta, sizeof(meta)), -EINVAL);
	assert_int_equal(buddy_add_zone(&f->b, 0, 16, meta, sizeof(meta)), -EINVAL);
	assert_int_equal(buddy_add_zone(&f->b, 0x1000, 0, meta, sizeof(meta)), -EINVAL);
	assert_int_equal(buddy_add_zone(&f->b, 0x1000, 16, NULL, sizeof(meta)), -EINVAL);
	assert_int_equal(buddy_add_zone(&f->b, 0x1000, 16, meta, buddy_meta_size(16) - 1), -EINVAL);
	assert_int_equal(buddy_add_zone(&f->b, 0x1000, 16, (char *)meta + 1, 1000), -EINVAL);
	assert_int_equal(buddy_add_zone(&f->b, 0x1000, BUDDY_MAX_ZONE_PAGES + 1, meta, sizeof(meta)),
			 -EINVAL);
	assert_true(host_log_count(LOG_ERR) >= 7);
	assert_int_equal(f->b.nzones, 0);

	/* Zones are kept sorted; overlaps with either neighbour are refused. */
	assert_int_equal(fx_zone(f, 0x100000, 256), 0);
	assert_int_equal(fx_zone(f, 0x10000, 16), 0);
	assert_int_equal(f->b.zones[1].base_pfn, 0x100);
	host_log_reset();
	assert_int_equal(fx_zone(f, 0x1FF000, 2), -EINVAL);       /* tail of zone 1 */
	assert_int_equal(fx_zone(f, 0xF000, 2), -EINVAL);         /* head of zone 0 */
	assert_int_equal(fx_zone(f, 0x8000, 0x1000), -EINVAL);    /* covers both */
	assert_true(host_log_contains("overlaps"));
	assert_int_equal(fx_zone(f, 0x200000, 1), 2);             /* touching is fine */
	assert_int_equal(buddy_check(&f->b), 0);
	assert_int_equal(buddy_total_pages(&f->b), 0);
	assert_int_equal(buddy_alloc(&f->b, 0, UINT64_MAX), 0);   /* zones start empty */
	fx_free(f);
}

static void test_zone_table_full(void **state)
{
	(void)state;
	struct fixture *f = fx_new();
	for (unsigned i = 0; i < BUDDY_MAX_ZONES; i++)
		assert_int_equal(fx_zone(f, (paddr_t)(i + 1) * 0x100000, 1), (int)i);
	assert_int_equal(fx_zone(f, 0x7000000000ULL, 1), -ENOSPC);
	assert_true(host_log_contains("too many zones"));
	fx_free(f);
}

/* ---------------------------------------------------------------- add */

static void test_add_aligned_range_is_one_block(void **state)
{
	(void)state;
	struct fixture *f = fx_new();
	assert_int_equal(fx_zone(f, 0x400000, 1024), 0);
	assert_int_equal(buddy_add_range(&f->b, 0x400000, 0x800000), 1024);
	assert_int_equal(buddy_free_pages(&f->b), 1024);
	assert_int_equal(buddy_total_pages(&f->b), 1024);
	assert_int_equal(blocks_of_order(&f->b, 10), 1);
	assert_int_equal(total_blocks(&f->b), 1);
	assert_int_equal(buddy_check(&f->b), 0);
	fx_free(f);
}

static void test_add_unaligned_and_holey(void **state)
{
	(void)state;
	struct fixture *f = fx_new();
	assert_int_equal(fx_zone(f, 0x100000, 4096), 0);   /* 1 MiB .. 17 MiB */
	/* Rounded inward: 0x101800..0x105FFF -> pages 0x102000..0x105000. */
	assert_int_equal(buddy_add_range(&f->b, 0x101800, 0x105FFF), 3);
	/* A piece with no whole page adds nothing. */
	assert_int_equal(buddy_add_range(&f->b, 0x107001, 0x107FFF), 0);
	/* 0x200000..0x3FF000: blocks 2M (order 9 won't fit), mixed. */
	assert_int_equal(buddy_add_range(&f->b, 0x200000, 0x3FF000), 511);
	assert_int_equal(buddy_free_pages(&f->b), 514);
	assert_int_equal(buddy_check(&f->b), 0);
	/* Adding the missing page completes an order-9 block (2 MiB aligned). */
	assert_int_equal(buddy_add_range(&f->b, 0x3FF000, 0x400000), 1);
	assert_int_equal(blocks_of_order(&f->b, 9), 1);
	assert_int_equal(buddy_check(&f->b), 0);

	/* Every allocation lies inside what was added and is aligned. */
	uint64_t got = 0;
	for (;;) {
		paddr_t pa = buddy_alloc(&f->b, 0, UINT64_MAX);
		if (!pa)
			break;
		bool in1 = pa >= 0x102000 && pa < 0x105000;
		bool in2 = pa >= 0x200000 && pa < 0x400000;
		assert_true(in1 || in2);
		got++;
	}
	assert_int_equal(got, 515);
	assert_int_equal(buddy_free_pages(&f->b), 0);
	assert_int_equal(buddy_check(&f->b), 0);
	fx_free(f);
}

static void test_add_refuses_bad_ranges(void **state)
{
	(void)state;
	struct fixture *f = fx_new();
	assert_int_equal(fx_zone(f, 0x100000, 256), 0);
	assert_int_equal(buddy_add_range(&f->b, 0x100000, 0x180000), 128);
	host_log_reset();
	/* Overlapping what is already managed: refused, nothing changes. */
	assert_int_equal(buddy_add_range(&f->b, 0x17F000, 0x181000), -EINVAL);
	assert_true(host_log_contains("already managed"));
	/* Outside every zone, or straddling a zone's end. */
	assert_int_equal(buddy_add_range(&f->b, 0x300000, 0x301000), -EINVAL);
	assert_int_equal(buddy_add_range(&f->b, 0x1FF000, 0x201000), -EINVAL);
	assert_int_equal(buddy_add_range(&f->b, 0x190000, 0x180000), -EINVAL);
	assert_true(host_log_contains("not inside one zone"));
	assert_int_equal(buddy_free_pages(&f->b), 128);
	assert_int_equal(buddy_check(&f->b), 0);
	/* Near the top of the address space: no overflow, nothing added. */
	assert_int_equal(buddy_add_range(&f->b, UINT64_MAX - 10, UINT64_MAX), 0);
	fx_free(f);
}

/* ---------------------------------------------------------------- alloc/free */

static void test_alloc_free_coalesces(void **state)
{
	(void)state;
	struct fixture *f = fx_new();
	assert_int_equal(fx_zone(f, 0x800000, 512), 0);
	assert_int_equal(buddy_add_range(&f->b, 0x800000, 0xA00000), 512);
	static paddr_t pages[512];
	for (unsigned i = 0; i < 512; i++) {
		pages[i] = buddy_alloc(&f->b, 0, UINT64_MAX);
		assert_true(pages[i] >= 0x800000 && pages[i] < 0xA00000);
		for (unsigned j = 0; j < i; j++)
			assert_true(pages[j] != pages[i]);
	}
	assert_int_equal(buddy_alloc(&f->b, 0, UINT64_MAX), 0);
	assert_int_equal(buddy_check(&f->b), 0);
	/* Free in a scrambled order: everything merges back to one block. */
	for (unsigned i = 0; i < 512; i++)
		assert_int_equal(buddy_free(&f->b, pages[(i * 37) % 512], 0), 0);
	assert_int_equal(buddy_free_pages(&f->b), 512);
	assert_int_equal(blocks_of_order(&f->b, 9), 1);
	assert_int_equal(total_blocks(&f->b), 1);
	assert_int_equal(buddy_check(&f->b), 0);
	fx_free(f);
}

static void test_alloc_orders_are_aligned(void **state)
{
	(void)state;
	struct fixture *f = fx_new();
	/* A zone with an odd base so natural alignment is not the zone's. */
	assert_int_equal(fx_zone(f, 0x123000, 8192), 0);
	assert_int_equal(buddy_add_range(&f->b, 0x123000, 0x123000 + 8192 * PG), 8192);
	for (unsigned k = 0; k <= 11; k++) {
		paddr_t pa = buddy_alloc(&f->b, k, UINT64_MAX);
		assert_true(pa != 0);
		assert_true(IS_ALIGNED(pa, PG << k));
		assert_true(pa >= 0x123000 && pa + (PG << k) <= 0x123000 + 8192 * PG);
	}
	/* More than the largest free block: none. */
	assert_int_equal(buddy_alloc(&f->b, 13, UINT64_MAX), 0);
	assert_int_equal(buddy_alloc(&f->b, BUDDY_MAX_ORDER + 1, UINT64_MAX), 0);
	assert_int_equal(buddy_check(&f->b), 0);
	fx_free(f);
}

static void test_max_order_block(void **state)
{
	(void)state;
	struct fixture *f = fx_new();
	uint64_t n = 1ULL << (BUDDY_MAX_ORDER + 1);   /* 2 GiB */
	assert_int_equal(fx_zone(f, 1ULL << 30, n), 0);
	assert_int_equal(buddy_add_range(&f->b, 1ULL << 30, (1ULL << 30) + n * PG), (int64_t)n);
	assert_int_equal(blocks_of_order(&f->b, BUDDY_MAX_ORDER), 2);   /* never merged above max */
	paddr_t a = buddy_alloc(&f->b, BUDDY_MAX_ORDER, UINT64_MAX);
	paddr_t b = buddy_alloc(&f->b, BUDDY_MAX_ORDER, UINT64_MAX);
	assert_true(a && b && a != b);
	assert_true(IS_ALIGNED(a, 1ULL << 30) && IS_ALIGNED(b, 1ULL << 30));
	assert_int_equal(buddy_free_pages(&f->b), 0);
	assert_int_equal(buddy_free(&f->b, a, BUDDY_MAX_ORDER), 0);
	assert_int_equal(buddy_free(&f->b, b, BUDDY_MAX_ORDER), 0);
	assert_int_equal(buddy_check(&f->b), 0);
	fx_free(f);
}

static void test_alloc_below_limit(void **state)
{
	(void)state;
	struct fixture *f = fx_new();
	assert_int_equal(fx_zone(f, 0x100000, 0x100), 0);            /* 1 MiB..2 MiB */
	assert_int_equal(fx_zone(f, 0xFFF00000ULL, 0x200), 1);       /* straddles 4 GiB */
	assert_int_equal(fx_zone(f, 0x200000000ULL, 0x400), 2);      /* 8 GiB */
	assert_int_equal(buddy_add_range(&f->b, 0x100000, 0x200000), 0x100);
	assert_int_equal(buddy_add_range(&f->b, 0xFFF00000ULL, 0x100100000ULL), 0x200);
	assert_int_equal(buddy_add_range(&f->b, 0x200000000ULL, 0x200400000ULL), 0x400);

	/* No limit: the highest zone goes first. */
	paddr_t hi = buddy_alloc(&f->b, 0, UINT64_MAX);
	assert_true(hi >= 0x200000000ULL);
	assert_int_equal(buddy_free(&f->b, hi, 0), 0);

	/* Below 4 GiB: from the straddling zone's low half (order 8 = 1 MiB). */
	paddr_t lo[2];
	lo[0] = buddy_alloc(&f->b, 8, 4 * GiB);
	assert_int_equal(lo[0], 0xFFF00000ULL);
	/* That half is used up: next comes from the 1 MiB zone. */
	lo[1] = buddy_alloc(&f->b, 8, 4 * GiB);
	assert_int_equal(lo[1], 0x100000);
	assert_int_equal(buddy_alloc(&f->b, 0, 4 * GiB), 0);
	/* A limit that no block fits below: none even though memory is free. */
	assert_int_equal(buddy_alloc(&f->b, 0, 0x100000), 0);
	assert_int_equal(buddy_alloc(&f->b, 0, 0), 0);
	/* Order 9 straddling block is never handed out below 4 GiB. */
	assert_int_equal(buddy_free(&f->b, lo[0], 8), 0);
	assert_int_equal(buddy_alloc(&f->b, 9, 4 * GiB), 0);
	assert_int_equal(buddy_check(&f->b), 0);
	fx_free(f);
}

static void test_free_detects_misuse(void **state)
{
	(void)state;
	struct fixture *f = fx_new();
	assert_int_equal(fx_zone(f, 0x400000, 1024), 0);
	assert_int_equal(buddy_add_range(&f->b, 0x400000, 0x600000), 512);   /* half managed */
	paddr_t a = buddy_alloc(&f->b, 2, UINT64_MAX);
	paddr_t b = buddy_alloc(&f->b, 0, UINT64_MAX);
	assert_true(a && b);
	uint64_t free_before = buddy_free_pages(&f->b);

	struct { paddr_t pa; unsigned order; const char *msg; } bad[] = {
		{ a, 1, "allocated with order 2" },
		{ a, 3, "bad order or alignment" },            /* a is not 32 KiB aligned or is: either way refused */
		{ a + PG, 0, "not the start of an allocated block" },
		{ a + 1, 0, "bad order or alignment" },
		{ 0x700000, 0, "not managed" },                /* in the zone, never added */
		{ 0x10000000, 0, "not managed" },              /* outside every zone */
		{ b, BUDDY_MAX_ORDER + 1, "bad order" },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		host_log_reset();
		int rc = buddy_free(&f->b, bad[i].pa, bad[i].order);
		if (i == 1 && IS_ALIGNED(a, PG << 3))
			assert_true(host_log_contains("allocated with order 2"));
		else
			assert_true(host_log_contains(bad[i].msg));
		assert_int_equal(rc, -EINVAL);
		assert_int_equal(buddy_free_pages(&f->b), free_before);
		assert_int_equal(buddy_check(&f->b), 0);
	}
	/* A free block (never allocated) and a double free. */
	paddr_t c = buddy_alloc(&f->b, 0, UINT64_MAX);
	assert_int_equal(buddy_free(&f->b, c, 0), 0);
	host_log_reset();
	assert_int_equal(buddy_free(&f->b, c, 0), -EINVAL);
	assert_true(host_log_contains("double free"));
	assert_int_equal(buddy_free(&f->b, b, 0), 0);
	host_log_reset();
	assert_int_equal(buddy_free(&f->b, b, 0), -EINVAL);
	assert_true(host_log_contains("double free") || host_log_contains("not the start"));
	assert_int_equal(buddy_free(&f->b, a, 2), 0);
	assert_int_equal(buddy_free_pages(&f->b), 512);
	assert_int_equal(blocks_of_order(&f->b, 9), 1);
	assert_int_equal(buddy_check(&f->b), 0);
	fx_free(f);
}

static void test_manages(void **state)
{
	(void)state;
	struct fixture *f = fx_new();
	assert_int_equal(fx_zone(f, 0x400000, 16), 0);
	assert_int_equal(buddy_add_range(&f->b, 0x402000, 0x404000), 2);
	assert_false(buddy_manages(&f->b, 0x400000));
	assert_true(buddy_manages(&f->b, 0x402000));
	assert_true(buddy_manages(&f->b, 0x403FFF));
	assert_false(buddy_manages(&f->b, 0x404000));
	assert_false(buddy_manages(&f->b, 0x900000));
	fx_free(f);
}

static void test_check_catches_corruption(void **state)
{
	(void)state;
	struct fixture *f = fx_new();
	assert_int_equal(fx_zone(f, 0x400000, 64), 0);
	assert_int_equal(buddy_add_range(&f->b, 0x400000, 0x440000), 64);
	paddr_t a = buddy_alloc(&f->b, 0, UINT64_MAX);
	assert_true(a);
	assert_int_equal(buddy_check(&f->b), 0);
	/* Corrupt the free count: detected. */
	f->b.zones[0].free_pages++;
	host_log_reset();
	assert_int_equal(buddy_check(&f->b), -EINVAL);
	assert_true(host_log_contains("counts wrong"));
	f->b.zones[0].free_pages--;
	/* Corrupt a list link: detected. */
	uint32_t head = f->b.zones[0].free_head[0];
	assert_true(head != BUDDY_NO_LINK);
	f->b.zones[0].links[2 * head + 1] = 5;
	host_log_reset();
	assert_int_equal(buddy_check(&f->b), -EINVAL);
	assert_true(host_log_contains("broken"));
	fx_free(f);
}

/* Random alloc/free against a shadow map of which pages are in use. */
static void test_random_stress(void **state)
{
	(void)state;
	struct fixture *f = fx_new();
	const paddr_t base = 0x1000000;
	const uint64_t n = 4096;
	assert_int_equal(fx_zone(f, base, n), 0);
	/* Holey: skip every 97th..99th page group. */
	int64_t added = 0;
	for (uint64_t p = 0; p < n; p += 100)
		added += buddy_add_range(&f->b, base + p * PG, base + MIN(p + 97, n) * PG);
	assert_int_equal(buddy_free_pages(&f->b), (uint64_t)added);

	static uint8_t used[4096];
	static struct { paddr_t pa; unsigned order; } live[2048];
	unsigned nlive = 0;
	uint32_t seed = 12345;
	for (unsigned step = 0; step < 20000; step++) {
		seed = seed * 1103515245u + 12345u;
		unsigned r = (seed >> 16) & 0x7FFF;
		if ((r & 1) && nlive < ARRAY_SIZE(live)) {
			unsigned order = (r >> 1) % 5;
			paddr_t pa = buddy_alloc(&f->b, order, UINT64_MAX);
			if (!pa)
				continue;
			assert_true(IS_ALIGNED(pa, PG << order));
			uint64_t i0 = (pa - base) / PG;
			assert_true(i0 + (1ULL << order) <= n);
			for (uint64_t i = i0; i < i0 + (1ULL << order); i++) {
				assert_int_equal(used[i], 0);
				assert_true(i % 100 < 97);     /* never from a hole */
				used[i] = 1;
			}
			live[nlive].pa = pa;
			live[nlive].order = order;
			nlive++;
		} else if (nlive) {
			unsigned j = (r >> 1) % nlive;
			uint64_t i0 = (live[j].pa - base) / PG;
			for (uint64_t i = i0; i < i0 + (1ULL << live[j].order); i++)
				used[i] = 0;
			assert_int_equal(buddy_free(&f->b, live[j].pa, live[j].order), 0);
			live[j] = live[--nlive];
		}
		if (step % 1000 == 0)
			assert_int_equal(buddy_check(&f->b), 0);
	}
	while (nlive) {
		nlive--;
		assert_int_equal(buddy_free(&f->b, live[nlive].pa, live[nlive].order), 0);
	}
	assert_int_equal(buddy_free_pages(&f->b), (uint64_t)added);
	assert_int_equal(buddy_check(&f->b), 0);
	fx_free(f);
}

/* ---------------------------------------------------------------- plan */

static struct boot_info *bi_new(void)
{
	struct boot_info *bi = calloc(1, sizeof(*bi));
	assert_non_null(bi);
	bi->magic = BOOT_INFO_MAGIC;
	bi->version = BOOT_INFO_VERSION;
	host_log_reset();
	return bi;
}

static void bi_mem(struct boot_info *bi, uint64_t base, uint64_t len, uint32_t type)
{
	assert_true(bi->mem_count < BOOT_MAX_MEM_RANGES);
	bi->mem[bi->mem_count].base = base;
	bi->mem[bi->mem_count].length = len;
	bi->mem[bi->mem_count].type = type;
	bi->mem_count++;
}

/* True if [s, e) intersects any piece or any zone's metadata. */
static bool plan_uses(const struct pmm_plan *p, paddr_t s, paddr_t e)
{
	for (unsigned i = 0; i < p->npieces; i++)
		if (p->pieces[i].start < e && p->pieces[i].end > s)
			return true;
	for (unsigned z = 0; z < p->nzones; z++) {
		paddr_t me = p->zones[z].meta + ALIGN_UP(p->zones[z].meta_bytes, PG);
		if (p->zones[z].meta < e && me > s)
			return true;
	}
	return false;
}

static uint64_t plan_piece_bytes(const struct pmm_plan *p)
{
	uint64_t n = 0;
	for (unsigned i = 0; i < p->npieces; i++)
		n += p->pieces[i].end - p->pieces[i].start;
	return n;
}

/* A QEMU-like 6 GiB machine: low RAM, a PCI hole, RAM above 4 GiB. */
static void qemu_map(struct boot_info *bi)
{
	bi_mem(bi, 0, 0x9FC00, BOOT_MEM_USABLE);
	bi_mem(bi, 0x9FC00, 0x400, BOOT_MEM_RESERVED);
	bi_mem(bi, 0xF0000, 0x10000, BOOT_MEM_RESERVED);
	bi_mem(bi, 0x100000, 0xBFEE0000 - 0x100000, BOOT_MEM_USABLE);
	bi_mem(bi, 0xBFEE0000, 0x20000, BOOT_MEM_ACPI_RECLAIM);
	bi_mem(bi, 0xFFFC0000, 0x40000, BOOT_MEM_RESERVED);
	bi_mem(bi, 0x100000000ULL, 0x80000000ULL, BOOT_MEM_USABLE);
}

static void test_plan_qemu_map(void **state)
{
	(void)state;
	struct boot_info *bi = bi_new();
	qemu_map(bi);
	static struct pmm_plan plan;
	struct pmm_range excl[] = {
		{ 0, 0x100000 },                       /* first MiB */
		{ 0x200000, 0x345678 },                /* image, unaligned end */
		{ 0x8000000, 0x8100001 },              /* a module */
		{ 0x7FFF800, 0x8000100 },              /* overlapping neighbour, unsorted */
	};
	assert_int_equal(pmm_plan_build(&plan, bi, 4 * GiB, excl, ARRAY_SIZE(excl)), 0);
	assert_int_equal(plan.nzones, 2);
	assert_int_equal(plan.dropped_bytes, 0);
	/* Zone 0: 1 MiB .. 0xBFEE0000, zone 1: 4 GiB .. 6 GiB. */
	assert_int_equal(plan.zones[0].base, 0x100000);
	assert_int_equal(plan.zones[0].end, 0xBFEE0000);
	assert_int_equal(plan.zones[1].base, 0x100000000ULL);
	assert_int_equal(plan.zones[1].end, 0x180000000ULL);
	/* Metadata stays inside its zone: the high zone's above 4 GiB. */
	assert_true(plan.zones[0].meta >= 0x100000 && plan.zones[0].meta < 4 * GiB);
	assert_true(plan.zones[1].meta >= 4 * GiB);
	assert_int_equal(plan.zones[1].meta_bytes, buddy_meta_size(0x80000));
	/* Exclusions (rounded outward) are never planned. */
	assert_false(plan_uses(&plan, 0, 0x100000));
	assert_false(plan_uses(&plan, 0x200000, 0x346000));
	assert_false(plan_uses(&plan, 0x7FFF000, 0x8101000));
	assert_false(plan_uses(&plan, 0xBFEE0000, 0x100000000ULL));
	assert_true(plan_uses(&plan, 0x346000, 0x347000));
	assert_true(plan_uses(&plan, 0x8101000, 0x8102000));
	/* Pieces + metadata = usable minus exclusions. */
	uint64_t meta = ALIGN_UP(plan.zones[0].meta_bytes, PG) + ALIGN_UP(plan.zones[1].meta_bytes, PG);
	uint64_t expect = (0xBFEE0000 - 0x100000) - (0x346000 - 0x200000) - (0x8101000 - 0x7FFF000) +
			  0x80000000ULL;
	assert_int_equal(plan_piece_bytes(&plan) + meta, expect);
	assert_int_equal(plan.usable_bytes, 0x9FC00 + (0xBFEE0000 - 0x100000) + 0x80000000ULL);
	/* Pieces of each zone are sorted and inside it. */
	for (unsigned z = 0; z < plan.nzones; z++)
		for (unsigned i = 0; i < plan.zones[z].npieces; i++) {
			const struct pmm_range *r = &plan.pieces[plan.zones[z].first_piece + i];
			assert_true(r->start >= plan.zones[z].base && r->end <= plan.zones[z].end);
			assert_true(IS_ALIGNED(r->start, PG) && IS_ALIGNED(r->end, PG));
			if (i)
				assert_true(r->start >= r[-1].end);
		}
	free(bi);
}

static void test_plan_rounds_and_merges(void **state)
{
	(void)state;
	struct boot_info *bi = bi_new();
	/* Unaligned usable range sharing pages with reserved ones. */
	bi_mem(bi, 0x100800, 0x1FF000, BOOT_MEM_USABLE);      /* 0x100800..0x2FF800 */
	bi_mem(bi, 0x2FF800, 0x800, BOOT_MEM_RESERVED);
	/* Two adjacent usable ranges (e.g. EFI loader data + conventional). */
	bi_mem(bi, 0x400000, 0x100000, BOOT_MEM_USABLE);
	bi_mem(bi, 0x500000, 0x100000, BOOT_MEM_USABLE);
	bi_mem(bi, 0x600000, 0x1000, BOOT_MEM_BAD);
	bi_mem(bi, 0x700000, 0x100, BOOT_MEM_USABLE);          /* no whole page */
	static struct pmm_plan plan;
	assert_int_equal(pmm_plan_build(&plan, bi, 4 * GiB, NULL, 0), 0);
	assert_int_equal(plan.nzones, 2);
	assert_int_equal(plan.zones[0].base, 0x101000);
	assert_int_equal(plan.zones[0].end, 0x2FF000);
	assert_int_equal(plan.zones[1].base, 0x400000);
	assert_int_equal(plan.zones[1].end, 0x600000);          /* merged */
	assert_false(plan_uses(&plan, 0x2FF000, 0x400000));
	assert_false(plan_uses(&plan, 0x600000, 0x800000));
	free(bi);
}

static void test_plan_page_zero_and_wrap(void **state)
{
	(void)state;
	struct boot_info *bi = bi_new();
	bi_mem(bi, 0, 0x10000, BOOT_MEM_USABLE);
	bi_mem(bi, PMM_PHYS_LIMIT - 0x10000, 0x20000, BOOT_MEM_USABLE);   /* crosses 2^52 */
	bi_mem(bi, 0xFFFFFFFFFFFF0000ULL, 0x20000, BOOT_MEM_USABLE);     /* wraps */
	static struct pmm_plan plan;
	assert_int_equal(pmm_plan_build(&plan, bi, 0, NULL, 0), 0);
	assert_true(host_log_contains("wraps"));
	assert_true(host_log_contains("beyond"));
	assert_int_equal(plan.nzones, 2);
	assert_int_equal(plan.zones[0].base, 0x1000);           /* page 0 skipped */
	assert_int_equal(plan.zones[1].base, PMM_PHYS_LIMIT - 0x10000);
	assert_int_equal(plan.zones[1].end, PMM_PHYS_LIMIT);    /* clipped */
	free(bi);
}

static void test_plan_too_fragmented(void **state)
{
	(void)state;
	struct boot_info *bi = bi_new();
	/* 960 pages, one excluded page every 20: pieces of 19 pages. */
	bi_mem(bi, 0x10000000, PMM_PLAN_MAX_EXCL * 20 * PG, BOOT_MEM_USABLE);
	static struct pmm_range excl[PMM_PLAN_MAX_EXCL];
	for (unsigned i = 0; i < PMM_PLAN_MAX_EXCL; i++) {
		excl[i].start = 0x10000000 + (uint64_t)i * 2 * PG * 10;
		excl[i].end = excl[i].start + PG;
	}
	static struct pmm_plan plan;
	assert_int_equal(pmm_plan_build(&plan, bi, 4 * GiB, excl, PMM_PLAN_MAX_EXCL), 0);
	/* metadata of 960 pages = 8640 bytes = 3 pages: fits in a 19-page piece */
	assert_int_equal(plan.nzones, 1);
	assert_int_equal(plan.dropped_bytes, 0);

	/* Now a zone whose pieces are all single pages (metadata needs 3). */
	for (unsigned i = 0; i < PMM_PLAN_MAX_EXCL; i++) {
		excl[i].start = 0x10000000 + (uint64_t)i * 20 * PG + PG;
		excl[i].end = excl[i].start + 19 * PG;
	}
	host_log_reset();
	assert_int_equal(pmm_plan_build(&plan, bi, 4 * GiB, excl, PMM_PLAN_MAX_EXCL), 0);
	assert_int_equal(plan.nzones, 0);
	assert_int_equal(plan.npieces, 0);
	assert_int_equal(plan.dropped_bytes, PMM_PLAN_MAX_EXCL * PG);
	assert_true(host_log_contains("too fragmented"));
	free(bi);
}

static void test_plan_bad_args(void **state)
{
	(void)state;
	struct boot_info *bi = bi_new();
	static struct pmm_plan plan;
	struct pmm_range r = { 0, 1 };
	assert_int_equal(pmm_plan_build(&plan, NULL, 0, NULL, 0), -EINVAL);
	assert_int_equal(pmm_plan_build(&plan, bi, 0, NULL, 1), -EINVAL);
	assert_int_equal(pmm_plan_build(&plan, bi, 0, &r, PMM_PLAN_MAX_EXCL + 1), -EINVAL);
	/* A lying mem_count is clamped. */
	bi->mem_count = 100000;
	assert_int_equal(pmm_plan_build(&plan, bi, 0, NULL, 0), 0);
	assert_true(host_log_contains("claims"));
	free(bi);
}

/* The plan feeds a buddy allocator exactly as mm/page_alloc.c does. */
static void test_plan_drives_buddy(void **state)
{
	(void)state;
	struct boot_info *bi = bi_new();
	qemu_map(bi);
	bi->mem[6].length = 64 * MiB;              /* keep the test's metadata small */
	bi->mem[3].length = 96 * MiB;
	static struct pmm_plan plan;
	struct pmm_range excl[] = { { 0, 0x100000 }, { 0x200000, 0x400000 }, { 0x3000000, 0x3001000 } };
	assert_int_equal(pmm_plan_build(&plan, bi, 4 * GiB, excl, ARRAY_SIZE(excl)), 0);
	struct fixture *f = fx_new();
	uint64_t pieces = 0;
	for (unsigned z = 0; z < plan.nzones; z++) {
		const struct pmm_plan_zone *pz = &plan.zones[z];
		void *m = malloc(pz->meta_bytes);
		f->meta[f->nmeta++] = m;
		assert_true(buddy_add_zone(&f->b, pz->base, (pz->end - pz->base) / PG, m, pz->meta_bytes) >= 0);
		for (unsigned i = 0; i < pz->npieces; i++) {
			const struct pmm_range *r = &plan.pieces[pz->first_piece + i];
			assert_int_equal(buddy_add_range(&f->b, r->start, r->end), (r->end - r->start) / PG);
			pieces += r->end - r->start;
		}
	}
	assert_int_equal(buddy_total_pages(&f->b) * PG, pieces);
	assert_int_equal(buddy_check(&f->b), 0);
	/* Drain everything; nothing excluded or metadata is ever returned. */
	paddr_t pa;
	while ((pa = buddy_alloc(&f->b, 0, UINT64_MAX)) != 0) {
		assert_false(pa < 0x100000);
		assert_false(pa >= 0x200000 && pa < 0x400000);
		assert_false(pa == 0x3000000);
		for (unsigned z = 0; z < plan.nzones; z++)
			assert_false(pa >= plan.zones[z].meta &&
				     pa < plan.zones[z].meta + plan.zones[z].meta_bytes);
	}
	assert_int_equal(buddy_free_pages(&f->b), 0);
	fx_free(f);
	free(bi);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zone_validation),
		cmocka_unit_test(test_zone_table_full),
		cmocka_unit_test(test_add_aligned_range_is_one_block),
		cmocka_unit_test(test_add_unaligned_and_holey),
		cmocka_unit_test(test_add_refuses_bad_ranges),
		cmocka_unit_test(test_alloc_free_coalesces),
		cmocka_unit_test(test_alloc_orders_are_aligned),
		cmocka_unit_test(test_max_order_block),
		cmocka_unit_test(test_alloc_below_limit),
		cmocka_unit_test(test_free_detects_misuse),
		cmocka_unit_test(test_manages),
		cmocka_unit_test(test_check_catches_corruption),
		cmocka_unit_test(test_random_stress),
		cmocka_unit_test(test_plan_qemu_map),
		cmocka_unit_test(test_plan_rounds_and_merges),
		cmocka_unit_test(test_plan_page_zero_and_wrap),
		cmocka_unit_test(test_plan_too_fragmented),
		cmocka_unit_test(test_plan_bad_args),
		cmocka_unit_test(test_plan_drives_buddy),
	};
	host_log_quiet(true);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
