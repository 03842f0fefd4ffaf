/* fake_phys.h - a fake physical memory arena for parser tests. Every map()
 * returns a fresh heap copy of exactly the bytes asked for, so ASan reports
 * any read past what a parser requested; a range outside the arena maps to
 * NULL, as unreachable physical memory does in the kernel. */
#ifndef TESTS_FAKE_PHYS_H
#define TESTS_FAKE_PHYS_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_BASE 0x10000u
#define ARENA_SIZE 0x20000u   /* ends at 0x30000, a page boundary */

struct arena {
	uint8_t mem[ARENA_SIZE];
	uint32_t next;            /* bump allocator, physical */
	void **copies;
	size_t ncopies, cap;
	unsigned maps;            /* map() calls so far */
};

static inline const void *arena_map(void *ctx, uint64_t pa, size_t len)
{
	struct arena *a = ctx;
	a->maps++;
	assert_true(len > 0);
	if (pa < ARENA_BASE || pa - ARENA_BASE > ARENA_SIZE || len > ARENA_SIZE - (pa - ARENA_BASE))
		return NULL;
	void *copy = malloc(len);
	assert_non_null(copy);
	memcpy(copy, a->mem + (pa - ARENA_BASE), len);
	if (a->ncopies == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 64;
		a->copies = realloc(a->copies, a->cap * sizeof(void *));
		assert_non_null(a->copies);
	}
	a->copies[a->ncopies++] = copy;
	return copy;
}

static inline void arena_free_copies(struct arena *a)
{
	for (size_t i = 0; i < a->ncopies; i++)
		free(a->copies[i]);
	a->ncopies = 0;
}

/* Writable view of arena memory at physical pa (for building inputs). */
static inline uint8_t *arena_ptr(struct arena *a, uint32_t pa)
{
	assert_true(pa >= ARENA_BASE && pa < ARENA_BASE + ARENA_SIZE);
	return a->mem + (pa - ARENA_BASE);
}

#endif
