/* test_heap.c - the kernel heap core (mm/heap_core.c) over a fake page
 * source that tracks every block it hands out. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <plinth/heap_core.h>
#include "host_support.h"

#define MAX_BLOCKS 4096

struct source {
	struct { void *p; unsigned order; } blocks[MAX_BLOCKS];
	unsigned nblocks;
	uint64_t pages_out;
	uint64_t page_budget;        /* fail once pages_out would exceed it (0: no limit) */
	bool keep_freed;             /* park freed blocks instead of releasing them */
	void *parked[MAX_BLOCKS];
	unsigned nparked;
};

static void *src_alloc(void *ctx, unsigned order)
{
	struct source *s = ctx;
	size_t bytes = (size_t)4096 << order;
	if (s->page_budget && s->pages_out + (1ULL << order) > s->page_budget)
		return NULL;
	assert_true(s->nblocks < MAX_BLOCKS);
	void *p = aligned_alloc(bytes, bytes);     /* natural alignment, as the buddy gives */
	assert_non_null(p);
	memset(p, 0xEE, bytes);
	s->blocks[s->nblocks].p = p;
	s->blocks[s->nblocks].order = order;
	s->nblocks++;
	s->pages_out += 1ULL << order;
	return p;
}

static void src_free(void *ctx, void *p, unsigned order)
{
	struct source *s = ctx;
	for (unsigned i = 0; i < s->nblocks; i++)
		if (s->blocks[i].p == p) {
			assert_int_equal(s->blocks[i].order, order);
			s->blocks[i] = s->blocks[--s->nblocks];
			s->pages_out -= 1ULL << order;
			if (s->keep_freed)
				s->parked[s->nparked++] = p;
			else
				free(p);
			return;
		}
	fail_msg("heap returned a block it never got: %p", p);
}

static bool src_contains(void *ctx, const void *p)
{
	struct source *s = ctx;
	for (unsigned i = 0; i < s->nblocks; i++) {
		const uint8_t *b = s->blocks[i].p;
		if ((const uint8_t *)p >= b && (const uint8_t *)p < b + ((size_t)4096 << s->blocks[i].order))
			return true;
	}
	return false;
}

struct env {
	struct source src;
	struct heap heap;
};

static struct env *env_new(bool with_contains)
{
	struct env *e = calloc(1, sizeof(*e));
	assert_non_null(e);
	struct heap_page_source ps = { src_alloc, src_free, with_contains ? src_contains : NULL, &e->src };
	heap_core_init(&e->heap, &ps);
	host_log_reset();
	return e;
}

static void env_done(struct env *e)
{
	assert_int_equal(heap_core_check(&e->heap), 0);
	e->src.keep_freed = false;
	while (e->src.nblocks)     /* slabs kept for reuse */
		src_free(&e->src, e->src.blocks[0].p, e->src.blocks[0].order);
	for (unsigned i = 0; i < e->src.nparked; i++)
		free(e->src.parked[i]);
	free(e);
}

static void test_small_classes(void **state)
{
	(void)state;
	struct env *e = env_new(true);
	struct { size_t req, usable; } cases[] = {
		{ 0, 16 }, { 1, 16 }, { 16, 16 }, { 17, 32 }, { 33, 48 }, { 100, 128 },
		{ 257, 336 }, { 1000, 1008 }, { 1009, 1344 }, { 2016, 2016 },
	};
	void *p[ARRAY_SIZE(cases)];
	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		p[i] = heap_core_alloc(&e->heap, cases[i].req);
		assert_non_null(p[i]);
		assert_true(IS_ALIGNED((uintptr_t)p[i], 16));
		assert_int_equal(heap_core_usable_size(&e->heap, p[i]), cases[i].usable);
		memset(p[i], (int)i, cases[i].usable);
	}
	/* No object overlaps another. */
	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++)
		for (size_t b = 0; b < cases[i].usable; b++)
			assert_int_equal(((uint8_t *)p[i])[b], i);
	/* 16+16+16 and 2016 share classes; the rest each took a page. */
	assert_int_equal(e->src.pages_out, 8);
	size_t in_use = 0;
	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++)
		in_use += cases[i].usable;
	assert_int_equal(e->heap.bytes_in_use, in_use);
	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++)
		assert_int_equal(heap_core_free(&e->heap, p[i]), 0);
	assert_int_equal(e->heap.bytes_in_use, 0);
	assert_int_equal(e->heap.live_objects, 0);
	env_done(e);
}

static void test_large_blocks(void **state)
{
	(void)state;
	struct env *e = env_new(true);
	struct { size_t req; unsigned pages; } cases[] = {
		{ 2017, 1 }, { 4032, 1 }, { 4033, 2 }, { 8128, 2 }, { 8129, 4 }, { 1 << 20, 512 },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		uint64_t before = e->src.pages_out;
		uint8_t *p = heap_core_alloc(&e->heap, cases[i].req);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p & 4095, 64);
		assert_int_equal(e->src.pages_out - before, cases[i].pages);
		assert_int_equal(heap_core_usable_size(&e->heap, p), cases[i].pages * 4096 - 64);
		assert_int_equal(e->heap.bytes_in_use, cases[i].pages * 4096);
		memset(p, 0x5A, cases[i].req);
		assert_int_equal(heap_core_free(&e->heap, p), 0);
		assert_int_equal(e->src.pages_out, before);
		assert_int_equal(e->heap.bytes_in_use, 0);
	}
	/* Absurd sizes fail cleanly. */
	assert_null(heap_core_alloc(&e->heap, SIZE_MAX));
	assert_null(heap_core_alloc(&e->heap, ((size_t)4096 << HEAP_MAX_ORDER)));
	assert_true(host_log_contains("larger than the largest block"));
	env_done(e);
}

static void test_slabs_are_reclaimed(void **state)
{
	(void)state;
	struct env *e = env_new(true);
	enum { N = 63 * 5 };      /* five full 64-byte slabs */
	static void *p[N];
	for (unsigned i = 0; i < N; i++)
		assert_non_null(p[i] = heap_core_alloc(&e->heap, 64));
	assert_int_equal(e->src.pages_out, 5);
	assert_int_equal(e->heap.pages_held, 5);
	assert_int_equal(heap_core_check(&e->heap), 0);
	/* Free out of order; one empty slab is kept, the others go back. */
	for (unsigned i = 0; i < N; i++)
		assert_int_equal(heap_core_free(&e->heap, p[(i * 101) % N]), 0);
	assert_int_equal(e->src.pages_out, 1);
	assert_int_equal(e->heap.pages_held, 1);
	assert_int_equal(heap_core_check(&e->heap), 0);
	/* The kept slab is reused. */
	void *q = heap_core_alloc(&e->heap, 60);
	assert_non_null(q);
	assert_int_equal(e->src.pages_out, 1);
	assert_int_equal(heap_core_free(&e->heap, q), 0);
	env_done(e);
}

static void test_trim_returns_kept_slabs(void **state)
{
	(void)state;
	struct env *e = env_new(true);
	void *a = heap_core_alloc(&e->heap, 64);
	void *b = heap_core_alloc(&e->heap, 1000);
	void *c = heap_core_alloc(&e->heap, 16);
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_int_equal(e->src.pages_out, 3);
	/* Nothing empty yet: trim keeps the slabs with live objects. */
	assert_int_equal(heap_core_trim(&e->heap), 0);
	assert_int_equal(e->src.pages_out, 3);
	assert_int_equal(heap_core_free(&e->heap, a), 0);
	assert_int_equal(heap_core_free(&e->heap, b), 0);
	assert_int_equal(e->src.pages_out, 3);        /* kept for reuse */
	assert_int_equal(heap_core_trim(&e->heap), 2);
	assert_int_equal(e->src.pages_out, 1);
	assert_int_equal(e->heap.pages_held, 1);
	assert_int_equal(heap_core_check(&e->heap), 0);
	assert_int_equal(heap_core_trim(&e->heap), 0);  /* idempotent */
	/* The heap still works: a new slab for the trimmed class. */
	assert_non_null(a = heap_core_alloc(&e->heap, 64));
	assert_int_equal(e->src.pages_out, 2);
	assert_int_equal(heap_core_free(&e->heap, a), 0);
	assert_int_equal(heap_core_free(&e->heap, c), 0);
	assert_int_equal(heap_core_trim(&e->heap), 2);
	assert_int_equal(e->src.pages_out, 0);
	assert_int_equal(e->heap.pages_held, 0);
	assert_int_equal(heap_core_check(&e->heap), 0);
	env_done(e);
}

static void test_free_poisons(void **state)
{
	(void)state;
	struct env *e = env_new(true);
	uint8_t *a = heap_core_alloc(&e->heap, 48);
	uint8_t *b = heap_core_alloc(&e->heap, 48);   /* keeps the slab alive */
	memset(a, 0, 48);
	assert_int_equal(heap_core_free(&e->heap, a), 0);
	for (unsigned i = 0; i < 48; i++)
		assert_int_equal(a[i], 0x6B);
	assert_int_equal(heap_core_free(&e->heap, b), 0);
	env_done(e);
}

static void test_bad_frees_are_refused(void **state)
{
	(void)state;
	struct env *e = env_new(true);
	uint8_t *small = heap_core_alloc(&e->heap, 32);
	uint8_t *other = heap_core_alloc(&e->heap, 32);
	uint8_t *large = heap_core_alloc(&e->heap, 3 * 4096);
	assert_true(small && other && large);
	int on_stack;
	uint8_t *foreign = malloc(64);
	struct { void *p; const char *why; } bad[] = {
		{ small + 16, "not the start of an object" },
		{ small + 1, "not an object address" },
		{ large + 4096, "no heap header" },            /* inside the block, page 1 */
		{ large + 16, "no heap header" },              /* page 0, not the object start */
		{ (uint8_t *)((uintptr_t)large & ~4095ULL), "not an object address" },   /* the header */
		{ &on_stack, "not" },
		{ foreign, "not" },
	};
	size_t in_use = e->heap.bytes_in_use;
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		host_log_reset();
		assert_int_equal(heap_core_free(&e->heap, bad[i].p), -EINVAL);
		assert_true(host_log_contains(bad[i].why));
		assert_int_equal(e->heap.bytes_in_use, in_use);
		assert_int_equal(heap_core_usable_size(&e->heap, bad[i].p), 0);
	}
	/* Double frees. */
	assert_int_equal(heap_core_free(&e->heap, small), 0);
	host_log_reset();
	assert_int_equal(heap_core_free(&e->heap, small), -EINVAL);
	assert_true(host_log_contains("double free"));
	assert_int_equal(heap_core_check(&e->heap), 0);
	assert_int_equal(heap_core_free(&e->heap, other), 0);
	assert_int_equal(heap_core_free(&e->heap, large), 0);
	assert_int_equal(heap_core_free(&e->heap, NULL), 0);
	free(foreign);
	env_done(e);
}

static void test_large_double_free_without_reuse(void **state)
{
	(void)state;
	struct env *e = env_new(false);
	e->src.keep_freed = true;      /* freed blocks stay readable, never reused */
	uint8_t *p = heap_core_alloc(&e->heap, 10000);
	assert_non_null(p);
	assert_int_equal(heap_core_free(&e->heap, p), 0);
	assert_int_equal(e->src.pages_out, 0);
	host_log_reset();
	assert_int_equal(heap_core_free(&e->heap, p), -EINVAL);
	assert_true(host_log_contains("large block already freed"));
	env_done(e);
}

static void test_out_of_pages(void **state)
{
	(void)state;
	struct env *e = env_new(true);
	e->src.page_budget = 2;
	void *a = heap_core_alloc(&e->heap, 5000);    /* 2 pages */
	assert_non_null(a);
	assert_null(heap_core_alloc(&e->heap, 16));    /* no page for a slab */
	assert_null(heap_core_alloc(&e->heap, 5000));
	assert_int_equal(heap_core_free(&e->heap, a), 0);
	assert_non_null(a = heap_core_alloc(&e->heap, 16));
	assert_int_equal(heap_core_free(&e->heap, a), 0);
	assert_int_equal(heap_core_check(&e->heap), 0);
	env_done(e);
}

static void test_corruption_detected_by_check(void **state)
{
	(void)state;
	struct env *e = env_new(true);
	uint8_t *a = heap_core_alloc(&e->heap, 96);
	assert_non_null(a);
	assert_int_equal(heap_core_check(&e->heap), 0);
	/* An overflow backwards into the slab header breaks its magic. */
	uint8_t *hdr = (uint8_t *)((uintptr_t)a & ~4095ULL);
	hdr[0] ^= 0xFF;
	host_log_reset();
	assert_int_equal(heap_core_check(&e->heap), -EINVAL);
	assert_true(host_log_contains("inconsistent"));
	assert_int_equal(heap_core_free(&e->heap, a), -EINVAL);   /* no longer recognised */
	hdr[0] ^= 0xFF;
	assert_int_equal(heap_core_free(&e->heap, a), 0);
	env_done(e);
}

/* Random alloc/free with contents checked: no two live objects overlap. */
static void test_random_stress(void **state)
{
	(void)state;
	struct env *e = env_new(true);
	enum { SLOTS = 512 };
	static struct { uint8_t *p; size_t n; uint8_t tag; } live[SLOTS];
	memset(live, 0, sizeof(live));
	uint32_t seed = 99;
	for (unsigned step = 0; step < 20000; step++) {
		seed = seed * 1103515245u + 12345u;
		unsigned slot = (seed >> 8) % SLOTS;
		if (live[slot].p) {
			for (size_t i = 0; i < live[slot].n; i++)
				assert_int_equal(live[slot].p[i], live[slot].tag);
			assert_int_equal(heap_core_free(&e->heap, live[slot].p), 0);
			live[slot].p = NULL;
		} else {
			seed = seed * 1103515245u + 12345u;
			size_t n = (seed >> 8) % ((seed & 0x100) ? 3000 : 200);
			uint8_t *p = heap_core_alloc(&e->heap, n);
			assert_non_null(p);
			assert_true(IS_ALIGNED((uintptr_t)p, 16));
			assert_true(heap_core_usable_size(&e->heap, p) >= n);
			live[slot].p = p;
			live[slot].n = n;
			live[slot].tag = (uint8_t)step;
			memset(p, live[slot].tag, n);
		}
		if (step % 2000 == 0)
			assert_int_equal(heap_core_check(&e->heap), 0);
	}
	for (unsigned i = 0; i < SLOTS; i++)
		if (live[i].p)
			assert_int_equal(heap_core_free(&e->heap, live[i].p), 0);
	assert_int_equal(e->heap.bytes_in_use, 0);
	assert_int_equal(e->heap.live_objects, 0);
	assert_true(e->heap.pages_held <= HEAP_NUM_CLASSES);   /* at most one kept slab per class */
	env_done(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_classes),
		cmocka_unit_test(test_large_blocks),
		cmocka_unit_test(test_slabs_are_reclaimed),
		cmocka_unit_test(test_trim_returns_kept_slabs),
		cmocka_unit_test(test_free_poisons),
		cmocka_unit_test(test_bad_frees_are_refused),
		cmocka_unit_test(test_large_double_free_without_reuse),
		cmocka_unit_test(test_out_of_pages),
		cmocka_unit_test(test_corruption_detected_by_check),
		cmocka_unit_test(test_random_stress),
	};
	host_log_quiet(true);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
