/* test_pgtable.c - the page-table engine (mm/pgtable.c) for the host, EPT
 * and NPT formats over a fake page pool that counts every table page. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <plinth/pgtable.h>
#include "host_support.h"

#define PG 4096ULL
#define POOL_PAGES 2048
#define POOL_BASE 0x40000000ULL      /* fake physical address of page 0 of the pool */

/* The fake page source: every allocation and free is checked and counted. */
struct pool {
	uint8_t *mem;
	bool used[POOL_PAGES];
	unsigned outstanding;
	unsigned allocs;
	unsigned limit;              /* fail allocations once allocs reaches it (0: never) */
};

static paddr_t pool_alloc(void *ctx)
{
	struct pool *p = ctx;
	if (p->limit && p->allocs >= p->limit)
		return 0;
	for (unsigned i = 0; i < POOL_PAGES; i++)
		if (!p->used[i]) {
			p->used[i] = true;
			p->outstanding++;
			p->allocs++;
			memset(p->mem + i * PG, 0xA5, PG);   /* engine must clear it */
			return POOL_BASE + i * PG;
		}
	return 0;
}

static void pool_free(void *ctx, paddr_t pa)
{
	struct pool *p = ctx;
	assert_true(pa >= POOL_BASE && pa < POOL_BASE + POOL_PAGES * PG && IS_ALIGNED(pa, PG));
	unsigned i = (unsigned)((pa - POOL_BASE) / PG);
	assert_true(p->used[i]);     /* no double free */
	p->used[i] = false;
	p->outstanding--;
}

static void *pool_p2v(void *ctx, paddr_t pa)
{
	struct pool *p = ctx;
	assert_true(pa >= POOL_BASE && pa < POOL_BASE + POOL_PAGES * PG);
	return p->mem + (pa - POOL_BASE);
}

static const struct pt_ops pool_ops = { pool_alloc, pool_free, pool_p2v };

static struct pool *pool_new(void)
{
	struct pool *p = calloc(1, sizeof(*p));
	assert_non_null(p);
	p->mem = aligned_alloc(PG, POOL_PAGES * PG);
	assert_non_null(p->mem);
	host_log_reset();
	return p;
}

static void pool_done(struct pool *p)
{
	assert_int_equal(p->outstanding, 0);
	free(p->mem);
	free(p);
}

/* Raw entry of the table at 'level' that maps va (following tables only). */
static uint64_t raw_entry(struct pt *pt, struct pool *p, uint64_t va, unsigned level)
{
	paddr_t table = pt->root;
	for (unsigned l = 4; l >= level; l--) {
		uint64_t *t = pool_p2v(p, table);
		uint64_t e = t[(va >> (12 + 9 * (l - 1))) & 511];
		if (l == level)
			return e;
		table = e & 0x000FFFFFFFFFF000ULL;
	}
	return 0;
}

struct leaves {
	unsigned n;
	struct pt_leaf l[64];
};

static int collect(void *arg, const struct pt_leaf *leaf)
{
	struct leaves *c = arg;
	if (c->n < 64)
		c->l[c->n] = *leaf;
	c->n++;
	return 0;
}

/* ---------------------------------------------------------------- host */

static void test_host_4k_entry_bits(void **state)
{
	(void)state;
	struct pool *p = pool_new();
	struct pt pt;
	assert_int_equal(pt_init(&pt, &pt_format_host, &pool_ops, p, 0), 0);
	assert_int_equal(pt.table_pages, 1);
	const uint64_t va = 0xFFFF800000001000ULL;
	assert_int_equal(pt_map(&pt, va, 0x5000, PG, PT_R | PT_W | PT_G, PT_MEM_WB), 0);
	assert_int_equal(pt.table_pages, 4);
	/* PTE: addr | P | RW | G | XD (SDM §4.5 Table 4-20) */
	assert_int_equal(raw_entry(&pt, p, va, 1), 0x8000000000005103ULL);
	/* Non-leaf entries: P | RW | U/S, nothing restrictive. */
	for (unsigned l = 2; l <= 4; l++)
		assert_int_equal(raw_entry(&pt, p, va, l) & 0xFFF0000000000FFFULL, 0x7);
	/* PML4 index 256 for the direct map base. */
	uint64_t *root = pool_p2v(p, pt.root);
	assert_true(root[256] & 1);

	/* Read-only executable user page: no RW, no XD, U/S. */
	assert_int_equal(pt_map(&pt, 0x400000, 0x7000, PG, PT_R | PT_X | PT_U, PT_MEM_WB), 0);
	assert_int_equal(raw_entry(&pt, p, 0x400000, 1), 0x7005ULL);

	paddr_t pa;
	unsigned prot;
	enum pt_memtype mt;
	uint64_t size;
	assert_int_equal(pt_translate(&pt, va + 0x123, &pa, &prot, &mt, &size), 0);
	assert_int_equal(pa, 0x5123);
	assert_int_equal(prot, PT_R | PT_W | PT_G);
	assert_int_equal(mt, PT_MEM_WB);
	assert_int_equal(size, PG);
	assert_int_equal(pt_translate(&pt, 0x400FFF, &pa, &prot, NULL, NULL), 0);
	assert_int_equal(pa, 0x7FFF);
	assert_int_equal(prot, PT_R | PT_X | PT_U);
	assert_int_equal(pt_translate(&pt, va + PG, &pa, NULL, NULL, NULL), -ENOENT);
	assert_int_equal(pt_translate(&pt, 0, &pa, NULL, NULL, NULL), -ENOENT);
	pt_destroy(&pt);
	assert_int_equal(pt.root, 0);
	pool_done(p);
}

static void test_host_memtype_encoding(void **state)
{
	(void)state;
	struct pool *p = pool_new();
	struct pt pt;
	assert_int_equal(pt_init(&pt, &pt_format_host, &pool_ops, p, 0), 0);
	/* PAT index = PAT:PCD:PWT into PT_HOST_PAT_VALUE (SDM §12.12.3). */
	struct { enum pt_memtype mt; uint64_t bits4k, bits2m; } cases[] = {
		{ PT_MEM_WB, 0, 0 },
		{ PT_MEM_WT, 0x08, 0x08 },
		{ PT_MEM_UC_MINUS, 0x10, 0x10 },
		{ PT_MEM_UC, 0x18, 0x18 },
		{ PT_MEM_WC, 0x80, 0x1000 },
		{ PT_MEM_WP, 0x88, 0x1008 },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		uint64_t va4k = 0x10000000 + i * PG, va2m = 0x40000000 + i * 0x200000ULL;
		assert_int_equal(pt_map(&pt, va4k, 0x2000, PG, PT_R | PT_W, cases[i].mt), 0);
		assert_int_equal(pt_map(&pt, va2m, 0x200000, 0x200000, PT_R | PT_W, cases[i].mt), 0);
		uint64_t e4 = raw_entry(&pt, p, va4k, 1), e2 = raw_entry(&pt, p, va2m, 2);
		assert_int_equal(e4 & 0x1098, cases[i].bits4k);
		assert_int_equal(e2 & 0x1098, cases[i].bits2m | 0x80);   /* PS */
		enum pt_memtype mt;
		assert_int_equal(pt_translate(&pt, va4k, NULL, NULL, &mt, NULL), 0);
		assert_int_equal(mt, cases[i].mt);
		assert_int_equal(pt_translate(&pt, va2m + 0x1234, NULL, NULL, &mt, NULL), 0);
		assert_int_equal(mt, cases[i].mt);
	}
	/* The PAT value packs the same layout: byte i = type of index i. */
	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		uint64_t e = raw_entry(&pt, p, 0x10000000 + i * PG, 1);
		unsigned idx = ((e >> 3) & 1) | ((e >> 3) & 2) | ((e >> 5) & 4);
		assert_int_equal((PT_HOST_PAT_VALUE >> (8 * idx)) & 0xFF, cases[i].mt);
	}
	/* Reserved PAT encodings 2 and 3 are refused. */
	host_log_reset();
	assert_int_equal(pt_map(&pt, 0x20000000, 0x1000, PG, PT_R, (enum pt_memtype)2), -EINVAL);
	assert_true(host_log_contains("PAT layout"));
	pt_destroy(&pt);
	pool_done(p);
}

static void test_host_large_page_selection(void **state)
{
	(void)state;
	struct pool *p = pool_new();
	struct pt pt;
	uint64_t size;
	paddr_t pa;

	/* 2 MiB pages when va, pa and length allow. */
	assert_int_equal(pt_init(&pt, &pt_format_host, &pool_ops, p, 0), 0);
	assert_int_equal(pt_map(&pt, 0xFFFF800000200000ULL, 0x200000, 0x400000, PT_R | PT_W, PT_MEM_WB), 0);
	assert_int_equal(pt.table_pages, 3);    /* PML4, PDPT, PD */
	assert_int_equal(pt_translate(&pt, 0xFFFF800000456789ULL, &pa, NULL, NULL, &size), 0);
	assert_int_equal(pa, 0x456789);
	assert_int_equal(size, 0x200000);
	/* pa not 2 MiB aligned: 4 KiB pages. */
	assert_int_equal(pt_map(&pt, 0xFFFF800040000000ULL, 0x201000, 0x200000, PT_R, PT_MEM_WB), 0);
	assert_int_equal(pt_translate(&pt, 0xFFFF800040000000ULL, &pa, NULL, NULL, &size), 0);
	assert_int_equal(size, PG);
	assert_int_equal(pa, 0x201000);
	/* An unaligned start: 4 KiB up to the boundary, then 2 MiB. */
	assert_int_equal(pt_map(&pt, 0x1FF000, 0x1FF000, 0x201000, PT_R, PT_MEM_WB), 0);
	assert_int_equal(pt_translate(&pt, 0x1FF000, NULL, NULL, NULL, &size), 0);
	assert_int_equal(size, PG);
	assert_int_equal(pt_translate(&pt, 0x3FF000, &pa, NULL, NULL, &size), 0);
	assert_int_equal(size, 0x200000);
	assert_int_equal(pa, 0x3FF000);
	/* 1 GiB needs the flag: without it 512 PD entries. */
	assert_int_equal(pt_map(&pt, 0x80000000ULL, 0x80000000ULL, 1ULL << 30, PT_R, PT_MEM_WB), 0);
	assert_int_equal(pt_translate(&pt, 0x80000000ULL, NULL, NULL, NULL, &size), 0);
	assert_int_equal(size, 0x200000);
	pt_destroy(&pt);

	assert_int_equal(pt_init(&pt, &pt_format_host, &pool_ops, p, PT_INIT_1G), 0);
	assert_int_equal(pt_map(&pt, 0x80000000ULL, 0x80000000ULL, 1ULL << 30, PT_R | PT_W, PT_MEM_UC), 0);
	assert_int_equal(pt.table_pages, 2);    /* PML4, PDPT */
	assert_int_equal(pt_translate(&pt, 0xBFFFFFFFULL, &pa, NULL, NULL, &size), 0);
	assert_int_equal(size, 1ULL << 30);
	assert_int_equal(pa, 0xBFFFFFFFULL);
	/* PDPTE with PS (bit 7), PCD|PWT, XD */
	assert_int_equal(raw_entry(&pt, p, 0x80000000ULL, 3), 0x8000000080000000ULL | 0x9B);
	pt_destroy(&pt);

	/* PT_INIT_NO_2M: only 4 KiB leaves. */
	assert_int_equal(pt_init(&pt, &pt_format_host, &pool_ops, p, PT_INIT_NO_2M), 0);
	assert_int_equal(pt_map(&pt, 0x200000, 0x200000, 0x200000, PT_R, PT_MEM_WB), 0);
	assert_int_equal(pt_translate(&pt, 0x200000, NULL, NULL, NULL, &size), 0);
	assert_int_equal(size, PG);
	assert_int_equal(pt.table_pages, 4);
	pt_destroy(&pt);
	pool_done(p);
}

static void test_host_split_on_partial_unmap(void **state)
{
	(void)state;
	struct pool *p = pool_new();
	struct pt pt;
	assert_int_equal(pt_init(&pt, &pt_format_host, &pool_ops, p, PT_INIT_1G), 0);
	assert_int_equal(pt_map(&pt, 0x40000000, 0x140000000ULL, 1ULL << 30, PT_R | PT_W | PT_G,
				PT_MEM_WC), 0);
	assert_int_equal(pt.table_pages, 2);
	/* Punch a 4 KiB hole: 1G -> 2M table -> 4K table. */
	assert_int_equal(pt_unmap(&pt, 0x40000000 + 0x300000 + 5 * PG, PG), 0);
	assert_int_equal(pt.table_pages, 4);
	paddr_t pa;
	unsigned prot;
	enum pt_memtype mt;
	uint64_t size;
	assert_int_equal(pt_translate(&pt, 0x40000000 + 0x300000 + 5 * PG, &pa, NULL, NULL, NULL), -ENOENT);
	/* Neighbours keep address, rights and type (WC: PAT bit moved 12 -> 7). */
	assert_int_equal(pt_translate(&pt, 0x40000000 + 0x300000 + 4 * PG, &pa, &prot, &mt, &size), 0);
	assert_int_equal(pa, 0x140000000ULL + 0x300000 + 4 * PG);
	assert_int_equal(prot, PT_R | PT_W | PT_G);
	assert_int_equal(mt, PT_MEM_WC);
	assert_int_equal(size, PG);
	/* P|RW|G|PAT(7), XD; PS clear */
	assert_int_equal(raw_entry(&pt, p, 0x40000000 + 0x300000 + 4 * PG, 1) & 0x80000000000011FFULL,
			 0x8000000000000183ULL);
	assert_int_equal(pt_translate(&pt, 0x40000000 + 0x200000, NULL, NULL, NULL, &size), 0);
	assert_int_equal(size, PG);                 /* same 2 MiB as the hole */
	assert_int_equal(pt_translate(&pt, 0x40000000 + 0x400000, &pa, &prot, &mt, &size), 0);
	assert_int_equal(size, 0x200000);
	assert_int_equal(mt, PT_MEM_WC);
	assert_int_equal(prot, PT_R | PT_W | PT_G);
	assert_int_equal(pa, 0x140400000ULL);
	assert_int_equal(pt_translate(&pt, 0x7FFFF000, &pa, NULL, NULL, &size), 0);
	assert_int_equal(pa, 0x17FFFF000ULL);
	/* Unmapping the rest frees the tables that became empty. */
	assert_int_equal(pt_unmap(&pt, 0x40000000, 1ULL << 30), 0);
	assert_int_equal(pt.table_pages, 1);
	assert_int_equal(p->outstanding, 1);
	/* Unmapping nothing is fine. */
	assert_int_equal(pt_unmap(&pt, 0x40000000, 1ULL << 30), 0);
	pt_destroy(&pt);
	pool_done(p);
}

static void test_remap_replaces(void **state)
{
	(void)state;
	struct pool *p = pool_new();
	struct pt pt;
	paddr_t pa;
	unsigned prot;
	uint64_t size;
	assert_int_equal(pt_init(&pt, &pt_format_host, &pool_ops, p, 0), 0);
	/* 4 KiB pages across a 2 MiB region, then one 2 MiB page over them:
	 * the page table under it is freed. */
	assert_int_equal(pt_map(&pt, 0x600000, 0x1000, 0x200000, PT_R, PT_MEM_WB), 0);
	assert_int_equal(pt.table_pages, 4);
	assert_int_equal(pt_map(&pt, 0x600000, 0x800000, 0x200000, PT_R | PT_W, PT_MEM_WB), 0);
	assert_int_equal(pt.table_pages, 3);
	assert_int_equal(pt_translate(&pt, 0x600010, &pa, &prot, NULL, &size), 0);
	assert_int_equal(pa, 0x800010);
	assert_int_equal(prot, PT_R | PT_W);
	assert_int_equal(size, 0x200000);
	/* Remap one 4 KiB page inside it with other rights: split, rest kept. */
	assert_int_equal(pt_map(&pt, 0x601000, 0x99000, PG, PT_R | PT_X, PT_MEM_UC), 0);
	assert_int_equal(pt_translate(&pt, 0x601000, &pa, &prot, NULL, NULL), 0);
	assert_int_equal(pa, 0x99000);
	assert_int_equal(prot, PT_R | PT_X);
	assert_int_equal(pt_translate(&pt, 0x602000, &pa, &prot, NULL, NULL), 0);
	assert_int_equal(pa, 0x802000);
	assert_int_equal(prot, PT_R | PT_W);
	/* A second map of the same page simply overwrites it. */
	assert_int_equal(pt_map(&pt, 0x601000, 0x55000, PG, PT_R, PT_MEM_WB), 0);
	assert_int_equal(pt_translate(&pt, 0x601000, &pa, NULL, NULL, NULL), 0);
	assert_int_equal(pa, 0x55000);
	pt_destroy(&pt);
	pool_done(p);
}

static void test_host_validation(void **state)
{
	(void)state;
	struct pool *p = pool_new();
	struct pt pt;
	assert_int_equal(pt_init(&pt, &pt_format_host, &pool_ops, p, 0), 0);
	struct { uint64_t va; paddr_t pa; uint64_t len; unsigned prot; } bad[] = {
		{ 0x1001, 0x1000, PG, PT_R },                         /* unaligned va */
		{ 0x1000, 0x1001, PG, PT_R },                         /* unaligned pa */
		{ 0x1000, 0x1000, 0x800, PT_R },                      /* unaligned len */
		{ 0x1000, 0x1000, 0, PT_R },                          /* empty */
		{ 0x0000800000000000ULL, 0x1000, PG, PT_R },          /* non-canonical */
		{ 0xFFFF000000000000ULL, 0x1000, PG, PT_R },          /* non-canonical */
		{ 0x00007FFFFFFFF000ULL, 0x1000, 2 * PG, PT_R },      /* runs into the hole */
		{ 0xFFFFFFFFFFFFF000ULL, 0x1000, 2 * PG, PT_R },      /* wraps */
		{ 0x1000, PT_PA_LIMIT, PG, PT_R },                    /* pa beyond 2^52 */
		{ 0x1000, PT_PA_LIMIT - PG, 2 * PG, PT_R },           /* pa end beyond 2^52 */
		{ 0x1000, 0x1000, PG, PT_W },                         /* no read */
		{ 0x1000, 0x1000, PG, 0 },                            /* nothing */
		{ 0x1000, 0x1000, PG, PT_R | PT_IPAT },               /* EPT-only flag */
		{ 0x1000, 0x1000, PG, 0x80 },                         /* unknown flag */
	};
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		host_log_reset();
		assert_int_equal(pt_map(&pt, bad[i].va, bad[i].pa, bad[i].len, bad[i].prot, PT_MEM_WB), -EINVAL);
		assert_int_equal(host_log_count(LOG_ERR), 1);
		assert_int_equal(pt.table_pages, 1);
	}
	assert_int_equal(pt_unmap(&pt, 0x0000800000000000ULL, PG), -EINVAL);
	assert_int_equal(pt_unmap(&pt, 0x1000, 0), -EINVAL);
	assert_int_equal(pt_translate(&pt, 0x0000800000000000ULL, NULL, NULL, NULL, NULL), -EINVAL);
	/* The very top page is fine (no wrap of va + len). */
	assert_int_equal(pt_map(&pt, 0xFFFFFFFFFFFFF000ULL, 0x3000, PG, PT_R, PT_MEM_WB), 0);
	paddr_t pa;
	assert_int_equal(pt_translate(&pt, 0xFFFFFFFFFFFFFFFFULL, &pa, NULL, NULL, NULL), 0);
	assert_int_equal(pa, 0x3FFF);
	/* So is the last page below the hole and the last page below 2^52. */
	assert_int_equal(pt_map(&pt, 0x00007FFFFFFFF000ULL, PT_PA_LIMIT - PG, PG, PT_R, PT_MEM_WB), 0);
	assert_int_equal(pt_translate(&pt, 0x00007FFFFFFFF008ULL, &pa, NULL, NULL, NULL), 0);
	assert_int_equal(pa, PT_PA_LIMIT - PG + 8);
	pt_destroy(&pt);
	/* Using a destroyed table is refused, not a crash. */
	host_log_reset();
	assert_int_equal(pt_map(&pt, 0x1000, 0x1000, PG, PT_R, PT_MEM_WB), -EINVAL);
	assert_true(host_log_contains("destroyed"));
	pool_done(p);
}

static void test_no_nx_flag(void **state)
{
	(void)state;
	struct pool *p = pool_new();
	struct pt pt;
	assert_int_equal(pt_init(&pt, &pt_format_host, &pool_ops, p, PT_INIT_NO_NX), 0);
	assert_int_equal(pt_map(&pt, 0x1000, 0x1000, PG, PT_R | PT_W, PT_MEM_WB), 0);
	assert_int_equal(raw_entry(&pt, p, 0x1000, 1), 0x1003ULL);
	unsigned prot;
	assert_int_equal(pt_translate(&pt, 0x1000, NULL, &prot, NULL, NULL), 0);
	assert_int_equal(prot, PT_R | PT_W | PT_X);
	pt_destroy(&pt);
	pool_done(p);
}

/* ---------------------------------------------------------------- EPT */

static void test_ept_entry_bits(void **state)
{
	(void)state;
	struct pool *p = pool_new();
	struct pt pt;
	assert_int_equal(pt_init(&pt, &pt_format_ept, &pool_ops, p, PT_INIT_1G), 0);
	/* 4 KiB RWX WB: R|W|X = 7, type 6 << 3 (SDM §29.3.2 Table 29-6). */
	assert_int_equal(pt_map(&pt, 0x1000, 0x2000, PG, PT_R | PT_W | PT_X, PT_MEM_WB), 0);
	assert_int_equal(raw_entry(&pt, p, 0x1000, 1), 0x2037ULL);
	/* Non-leaf: R|W|X only, bits 3..7 reserved (zero). */
	for (unsigned l = 2; l <= 4; l++)
		assert_int_equal(raw_entry(&pt, p, 0x1000, l) & 0xFFF, 0x7);
	/* Read-only UC with ignore-PAT. */
	assert_int_equal(pt_map(&pt, 0x3000, 0xFEC00000ULL, PG, PT_R | PT_IPAT, PT_MEM_UC), 0);
	assert_int_equal(raw_entry(&pt, p, 0x3000, 1), 0xFEC00041ULL);
	/* 2 MiB leaf: bit 7; 1 GiB leaf: bit 7 at the PDPTE. */
	assert_int_equal(pt_map(&pt, 0x200000, 0x400000, 0x200000, PT_R | PT_W, PT_MEM_WB), 0);
	assert_int_equal(raw_entry(&pt, p, 0x200000, 2), 0x4000B3ULL);
	assert_int_equal(pt_map(&pt, 1ULL << 30, 2ULL << 30, 1ULL << 30, PT_R | PT_X, PT_MEM_WT), 0);
	assert_int_equal(raw_entry(&pt, p, 1ULL << 30, 3), 0x800000A5ULL);
	unsigned prot;
	enum pt_memtype mt;
	paddr_t pa;
	uint64_t size;
	assert_int_equal(pt_translate(&pt, (1ULL << 30) + 0x12345, &pa, &prot, &mt, &size), 0);
	assert_int_equal(pa, (2ULL << 30) + 0x12345);
	assert_int_equal(prot, PT_R | PT_X);
	assert_int_equal(mt, PT_MEM_WT);
	assert_int_equal(size, 1ULL << 30);
	assert_int_equal(pt_translate(&pt, 0x3000, NULL, &prot, &mt, NULL), 0);
	assert_int_equal(prot, PT_R | PT_IPAT);
	assert_int_equal(mt, PT_MEM_UC);
	/* Split a 2 MiB EPT leaf: children have no bit 7, same type. */
	assert_int_equal(pt_unmap(&pt, 0x200000, PG), 0);
	assert_int_equal(raw_entry(&pt, p, 0x201000, 1), 0x401033ULL);
	assert_int_equal(raw_entry(&pt, p, 0x200000, 2) & 0xFF, 0x07);
	pt_destroy(&pt);
	pool_done(p);
}

static void test_ept_rights_and_types(void **state)
{
	(void)state;
	struct pool *p = pool_new();
	struct pt pt;
	assert_int_equal(pt_init(&pt, &pt_format_ept, &pool_ops, p, 0), 0);
	struct { unsigned prot; int mt; } bad[] = {
		{ PT_W, PT_MEM_WB },                 /* write-only: misconfiguration */
		{ PT_W | PT_X, PT_MEM_WB },          /* write without read */
		{ PT_X, PT_MEM_WB },                 /* execute-only without support */
		{ 0, PT_MEM_WB },                    /* nothing: not present, use unmap */
		{ PT_R | PT_U, PT_MEM_WB },          /* no U in EPT */
		{ PT_R | PT_G, PT_MEM_WB },          /* no G in EPT */
		{ PT_R, PT_MEM_UC_MINUS },           /* UC- is PAT-only */
		{ PT_R, 2 },                         /* reserved types */
		{ PT_R, 3 },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		host_log_reset();
		assert_int_equal(pt_map(&pt, 0x1000, 0x1000, PG, bad[i].prot, (enum pt_memtype)bad[i].mt), -EINVAL);
		assert_int_equal(host_log_count(LOG_ERR), 1);
	}
	/* Guest-physical space ends at 2^48; canonical form does not apply. */
	assert_int_equal(pt_map(&pt, 1ULL << 48, 0x1000, PG, PT_R, PT_MEM_WB), -EINVAL);
	assert_int_equal(pt_map(&pt, (1ULL << 48) - PG, 0x1000, 2 * PG, PT_R, PT_MEM_WB), -EINVAL);
	assert_int_equal(pt_map(&pt, 0x0000800000000000ULL, 0x1000, PG, PT_R, PT_MEM_WB), 0);
	assert_int_equal(pt.table_pages, 4);
	pt_destroy(&pt);

	/* Execute-only with the capability flag: entry bits = X only. */
	assert_int_equal(pt_init(&pt, &pt_format_ept, &pool_ops, p, PT_INIT_EPT_XONLY), 0);
	assert_int_equal(pt_map(&pt, 0x5000, 0x6000, PG, PT_X, PT_MEM_WB), 0);
	assert_int_equal(raw_entry(&pt, p, 0x5000, 1), 0x6034ULL);
	unsigned prot;
	assert_int_equal(pt_translate(&pt, 0x5000, NULL, &prot, NULL, NULL), 0);
	assert_int_equal(prot, PT_X);
	assert_int_equal(pt_map(&pt, 0x5000, 0x6000, PG, PT_W | PT_X, PT_MEM_WB), -EINVAL);
	pt_destroy(&pt);
	pool_done(p);
}

/* ---------------------------------------------------------------- NPT */

static void test_npt_user_everywhere(void **state)
{
	(void)state;
	struct pool *p = pool_new();
	struct pt pt;
	assert_int_equal(pt_init(&pt, &pt_format_npt, &pool_ops, p, 0), 0);
	assert_int_equal(pt_map(&pt, 0x1000, 0x2000, PG, PT_R | PT_W | PT_X, PT_MEM_WB), 0);
	/* Leaf: P | RW | U/S (APM vol. 2 §15.25.5), executable: no XD. */
	assert_int_equal(raw_entry(&pt, p, 0x1000, 1), 0x2007ULL);
	for (unsigned l = 2; l <= 4; l++)
		assert_int_equal(raw_entry(&pt, p, 0x1000, l) & 0xFFF, 0x7);
	/* 2 MiB, read-only, no execute, UC. */
	assert_int_equal(pt_map(&pt, 0xFEC00000ULL, 0xFEC00000ULL, 0x200000, PT_R, PT_MEM_UC), 0);
	assert_int_equal(raw_entry(&pt, p, 0xFEC00000ULL, 2), 0x80000000FEC0009DULL);
	unsigned prot;
	enum pt_memtype mt;
	assert_int_equal(pt_translate(&pt, 0xFEC00010ULL, NULL, &prot, &mt, NULL), 0);
	assert_int_equal(prot, PT_R | PT_U);
	assert_int_equal(mt, PT_MEM_UC);
	/* Guest-physical: no canonical form, 2^48 limit, no G. */
	assert_int_equal(pt_map(&pt, 0x0000900000000000ULL, 0x1000, PG, PT_R, PT_MEM_WB), 0);
	assert_int_equal(pt_map(&pt, 1ULL << 48, 0x1000, PG, PT_R, PT_MEM_WB), -EINVAL);
	assert_int_equal(pt_map(&pt, 0x1000, 0x1000, PG, PT_R | PT_G, PT_MEM_WB), -EINVAL);
	assert_int_equal(pt_translate(&pt, 1ULL << 48, NULL, NULL, NULL, NULL), -EINVAL);
	pt_destroy(&pt);
	pool_done(p);
}

/* ---------------------------------------------------------------- lifetime */

static void test_out_of_memory(void **state)
{
	(void)state;
	struct pool *p = pool_new();
	struct pt pt;
	p->limit = 1;
	assert_int_equal(pt_init(&pt, &pt_format_host, &pool_ops, p, 0), 0);
	assert_int_equal(pt_map(&pt, 0x1000, 0x1000, PG, PT_R, PT_MEM_WB), -ENOMEM);
	assert_int_equal(pt_translate(&pt, 0x1000, NULL, NULL, NULL, NULL), -ENOENT);
	pt_destroy(&pt);
	assert_int_equal(p->outstanding, 0);
	/* Splitting needs a page too. */
	p->limit = 0;
	assert_int_equal(pt_init(&pt, &pt_format_host, &pool_ops, p, 0), 0);
	assert_int_equal(pt_map(&pt, 0x200000, 0x200000, 0x200000, PT_R, PT_MEM_WB), 0);
	p->limit = p->allocs;
	assert_int_equal(pt_unmap(&pt, 0x200000, PG), -ENOMEM);
	assert_int_equal(pt_translate(&pt, 0x200000, NULL, NULL, NULL, NULL), 0);   /* untouched */
	pt_destroy(&pt);
	assert_int_equal(p->outstanding, 0);
	/* No root page: init fails cleanly. */
	p->limit = p->allocs;
	host_log_reset();
	assert_int_equal(pt_init(&pt, &pt_format_host, &pool_ops, p, 0), -ENOMEM);
	assert_true(host_log_contains("root"));
	assert_int_equal(pt_init(&pt, &pt_format_host, &pool_ops, p, 0x100), -EINVAL);
	assert_int_equal(pt_init(&pt, &pt_format_host, &pool_ops, p, PT_INIT_1G | PT_INIT_NO_2M), -EINVAL);
	pool_done(p);
}

static void test_walk_and_dump(void **state)
{
	(void)state;
	struct pool *p = pool_new();
	struct pt pt;
	assert_int_equal(pt_init(&pt, &pt_format_host, &pool_ops, p, 0), 0);
	/* 4K + 2M + 4K contiguous with equal attributes: one dump line. */
	assert_int_equal(pt_map(&pt, 0xFFFF8000001FF000ULL, 0x1FF000, 0x202000, PT_R | PT_W, PT_MEM_WB), 0);
	/* A different type right after: a second line. */
	assert_int_equal(pt_map(&pt, 0xFFFF800000401000ULL, 0x401000, PG, PT_R | PT_W, PT_MEM_UC), 0);
	/* Low half, before the others in address order. */
	assert_int_equal(pt_map(&pt, 0x7000, 0x9000, PG, PT_R | PT_X, PT_MEM_WB), 0);
	struct leaves c = { 0 };
	assert_int_equal(pt_walk(&pt, collect, &c), 0);
	assert_int_equal(c.n, 5);
	assert_int_equal(c.l[0].va, 0x7000);
	assert_int_equal(c.l[1].va, 0xFFFF8000001FF000ULL);
	assert_int_equal(c.l[1].size, PG);
	assert_int_equal(c.l[2].va, 0xFFFF800000200000ULL);
	assert_int_equal(c.l[2].size, 0x200000);
	assert_int_equal(c.l[2].level, 2);
	assert_int_equal(c.l[3].va, 0xFFFF800000400000ULL);
	assert_int_equal(c.l[4].va, 0xFFFF800000401000ULL);
	assert_int_equal(c.l[4].memtype, PT_MEM_UC);
	host_log_reset();
	assert_int_equal(pt_dump(&pt), 3);
	assert_true(host_log_contains("ffff8000001ff000-ffff800000400fff -> 00000001ff000 RW--- WB"));
	assert_true(host_log_contains("UC"));
	assert_true(host_log_contains("R-X-- WB"));
	pt_destroy(&pt);
	pool_done(p);
}

/* Random maps/unmaps in a 16 MiB window, checked page by page against a
 * shadow; large pages appear and are split along the way. */
static void test_random_against_shadow(void **state)
{
	(void)state;
	const struct pt_format *fmts[] = { &pt_format_host, &pt_format_ept, &pt_format_npt };
	for (unsigned fi = 0; fi < ARRAY_SIZE(fmts); fi++) {
		struct pool *p = pool_new();
		struct pt pt;
		assert_int_equal(pt_init(&pt, fmts[fi], &pool_ops, p, PT_INIT_1G), 0);
		enum { NPAGES = 4096 };
		const uint64_t base = 0x40000000ULL - 0x400000;   /* straddles a 1 GiB line */
		static uint64_t shadow_pa[NPAGES];
		static uint8_t shadow_prot[NPAGES];
		memset(shadow_prot, 0, sizeof(shadow_prot));
		uint32_t seed = 7 + fi;
		for (unsigned step = 0; step < 300; step++) {
			seed = seed * 1664525u + 1013904223u;
			unsigned first = (seed >> 8) % NPAGES;
			/* Often 2 MiB aligned and sized, so large pages happen. */
			if (seed & 0x10)
				first &= ~511u;
			seed = seed * 1664525u + 1013904223u;
			unsigned n = 1 + (seed >> 8) % 1024;
			if (seed & 0x20)
				n = 512 * (1 + (seed >> 12) % 3);
			if (first + n > NPAGES)
				n = NPAGES - first;
			uint64_t va = base + (uint64_t)first * PG;
			if (seed & 0x1) {
				assert_int_equal(pt_unmap(&pt, va, n * PG), 0);
				for (unsigned i = first; i < first + n; i++)
					shadow_prot[i] = 0;
			} else {
				unsigned prot = (seed & 0x2) ? PT_R | PT_W : PT_R | PT_X;
				paddr_t pa = 0x100000000ULL + ((seed >> 4) & 0xFF) * 0x200000ULL;
				assert_int_equal(pt_map(&pt, va, pa, n * PG, prot, PT_MEM_WB), 0);
				for (unsigned i = first; i < first + n; i++) {
					shadow_prot[i] = (uint8_t)prot;
					shadow_pa[i] = pa + (uint64_t)(i - first) * PG;
				}
			}
		}
		for (unsigned i = 0; i < NPAGES; i++) {
			paddr_t pa;
			unsigned prot;
			int rc = pt_translate(&pt, base + (uint64_t)i * PG, &pa, &prot, NULL, NULL);
			if (!shadow_prot[i]) {
				assert_int_equal(rc, -ENOENT);
				continue;
			}
			assert_int_equal(rc, 0);
			assert_int_equal(pa, shadow_pa[i]);
			assert_int_equal(prot & (PT_R | PT_W | PT_X), shadow_prot[i]);
		}
		/* Everything out: only the root remains; destroy returns it. */
		assert_int_equal(pt_unmap(&pt, base, NPAGES * PG), 0);
		assert_int_equal(pt.table_pages, 1);
		assert_int_equal(p->outstanding, 1);
		pt_destroy(&pt);
		pool_done(p);
	}
}

static void test_destroy_returns_every_page(void **state)
{
	(void)state;
	struct pool *p = pool_new();
	struct pt pt;
	assert_int_equal(pt_init(&pt, &pt_format_host, &pool_ops, p, 0), 0);
	/* Scatter mappings over many tables in both halves. */
	for (unsigned i = 0; i < 40; i++) {
		uint64_t va = ((uint64_t)i << 39) | ((uint64_t)(i * 7) << 30) | ((uint64_t)i << 21) | 0x5000;
		if (i & 1)
			va |= 0xFFFF800000000000ULL;
		assert_int_equal(pt_map(&pt, va, 0x5000, 3 * PG, PT_R, PT_MEM_WB), 0);
	}
	assert_true(p->outstanding > 100);
	assert_int_equal(p->outstanding, pt.table_pages);
	pt_destroy(&pt);
	assert_int_equal(pt.table_pages, 0);
	pool_done(p);    /* asserts outstanding == 0 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_4k_entry_bits),
		cmocka_unit_test(test_host_memtype_encoding),
		cmocka_unit_test(test_host_large_page_selection),
		cmocka_unit_test(test_host_split_on_partial_unmap),
		cmocka_unit_test(test_remap_replaces),
		cmocka_unit_test(test_host_validation),
		cmocka_unit_test(test_no_nx_flag),
		cmocka_unit_test(test_ept_entry_bits),
		cmocka_unit_test(test_ept_rights_and_types),
		cmocka_unit_test(test_npt_user_everywhere),
		cmocka_unit_test(test_out_of_memory),
		cmocka_unit_test(test_walk_and_dump),
		cmocka_unit_test(test_random_against_shadow),
		cmocka_unit_test(test_destroy_returns_every_page),
	};
	host_log_quiet(true);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
