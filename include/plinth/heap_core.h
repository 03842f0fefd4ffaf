/* heap_core.h - the kernel heap's allocator (mm/heap_core.c), pure so host
 * tests run it over a fake page source; mm/heap.c wraps it with a lock and
 * the page allocator for kmalloc/kzalloc/kfree.
 *
 * Layout: every page-aligned chunk the heap owns starts with a 64-byte
 * header whose first word is a magic XORed with the header's own address.
 *  - Small requests (<= HEAP_MAX_SLAB_SIZE) come from one-page slabs of one
 *    size class; objects follow the header, so an object's header is at
 *    its page's start. A bitmap records live objects.
 *  - Larger requests get a naturally aligned block of 2^order pages; the
 *    object starts right after the header (page offset 64).
 * Every pointer returned is 16-byte aligned. Free checks the header and
 * the bitmap, so double frees and pointers the heap never returned are
 * detected (a large block whose pages were reused by the time it is freed
 * again cannot always be told apart, as in any allocator).
 */
#ifndef PLINTH_HEAP_CORE_H
#define PLINTH_HEAP_CORE_H

#include <plinth/compiler.h>

#define HEAP_PAGE_SIZE      4096u
#define HEAP_HEADER_SIZE    64u
#define HEAP_ALIGN          16u
#define HEAP_NUM_CLASSES    16
#define HEAP_MAX_SLAB_SIZE  2016u     /* two per page */
#define HEAP_MAX_ORDER      18        /* largest block: 1 GiB */

/* Where pages come from. alloc returns 2^order naturally aligned pages
 * (NULL when none); contains, if set, says whether p may point into memory
 * the heap could own (so free never reads through a wild pointer). */
struct heap_page_source {
	void *(*alloc)(void *ctx, unsigned order);
	void (*free)(void *ctx, void *p, unsigned order);
	bool (*contains)(void *ctx, const void *p);
	void *ctx;
};

struct heap_slab;

struct heap_class {
	uint16_t size;              /* object size, multiple of 16 */
	uint16_t per_slab;          /* objects per slab */
	struct heap_slab *partial;  /* slabs with at least one free object */
	struct heap_slab *full;     /* slabs with none */
	unsigned empty_slabs;       /* fully free slabs kept (at most 1) */
};

struct heap {
	struct heap_page_source src;
	struct heap_class classes[HEAP_NUM_CLASSES];
	size_t bytes_in_use;        /* object sizes of live small objects + whole large blocks */
	uint64_t pages_held;        /* pages taken from the source */
	uint64_t live_objects;
};

void heap_core_init(struct heap *h, const struct heap_page_source *src);
/* 16-byte aligned memory for 'size' bytes (size 0 gets a minimal object),
 * or NULL when the page source is exhausted or size is absurd (logged). */
void *heap_core_alloc(struct heap *h, size_t size);
/* Free p (NULL is ignored). Returns 0, or -EINVAL after logging a double
 * free or a pointer the heap does not own; nothing is changed then. */
int heap_core_free(struct heap *h, void *p);
/* Return the empty slabs kept for reuse (at most one per class) to the
 * page source, so that it sees every page no live object needs; returns how
 * many pages went back. */
uint64_t heap_core_trim(struct heap *h);
/* Bytes usable at p (its class size, or the rest of its large block), 0 if
 * p is not a live heap object. */
size_t heap_core_usable_size(struct heap *h, const void *p);
/* Walk every slab and check counts and list membership. 0 or -EINVAL. */
int heap_core_check(struct heap *h);

#endif
