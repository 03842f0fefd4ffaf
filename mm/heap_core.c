/* heap_core.c - size-class slabs and page blocks for the kernel heap (pure).
 * See heap_core.h for the layout. Not locked: mm/heap.c holds a spinlock. */
#include <plinth/heap_core.h>
#include <plinth/log.h>
#include <plinth/string.h>

#define SLAB_MAGIC        0x534c4142706c6e74ULL   /* "SLABplnt" */
#define LARGE_MAGIC       0x4c524745706c6e74ULL   /* "LRGEplnt" */
#define LARGE_FREED_MAGIC 0x46524545706c6e74ULL   /* "FREEplnt" */
#define FREE_POISON       0x6B

struct heap_slab {
	uint64_t magic;              /* SLAB_MAGIC ^ address of this header */
	struct heap_slab *next, *prev;
	uint8_t class_idx;
	uint8_t on_full;             /* on the class's full list (else partial) */
	uint16_t nfree;
	uint16_t unused[2];
	uint64_t live[4];            /* bit i: object i is allocated */
};

struct heap_large {
	uint64_t magic;              /* LARGE_MAGIC / LARGE_FREED_MAGIC ^ address */
	uint32_t order;
	uint32_t unused;
	uint64_t size;               /* bytes requested */
	uint64_t pad[5];
};

_Static_assert(sizeof(struct heap_slab) == HEAP_HEADER_SIZE, "slab header is 64 bytes");
_Static_assert(sizeof(struct heap_large) == HEAP_HEADER_SIZE, "large header is 64 bytes");
_Static_assert(HEAP_HEADER_SIZE % HEAP_ALIGN == 0, "objects stay 16-byte aligned");

/* Sizes chosen so each class packs its page well: 4032 usable bytes hold
 * 252, 126, 84, 63, 42, 31, 21, 15, 12, 9, 7, 6, 5, 4, 3 and 2 objects. */
static const uint16_t class_sizes[HEAP_NUM_CLASSES] = {
	16, 32, 48, 64, 96, 128, 192, 256, 336, 448, 576, 672, 800, 1008, 1344, 2016,
};
_Static_assert(HEAP_MAX_SLAB_SIZE == 2016, "last class");
_Static_assert((HEAP_PAGE_SIZE - HEAP_HEADER_SIZE) / 16 <= 256, "bitmap covers the smallest class");

static inline uint64_t key(const void *hdr) { return (uint64_t)(uintptr_t)hdr; }

void heap_core_init(struct heap *h, const struct heap_page_source *src)
{
	memset(h, 0, sizeof(*h));
	h->src = *src;
	for (unsigned i = 0; i < HEAP_NUM_CLASSES; i++) {
		h->classes[i].size = class_sizes[i];
		h->classes[i].per_slab = (uint16_t)((HEAP_PAGE_SIZE - HEAP_HEADER_SIZE) / class_sizes[i]);
	}
}

/* ---------------------------------------------------------------- lists */

static void slab_unlink(struct heap_class *c, struct heap_slab *s)
{
	struct heap_slab **head = s->on_full ? &c->full : &c->partial;
	if (s->prev)
		s->prev->next = s->next;
	else
		*head = s->next;
	if (s->next)
		s->next->prev = s->prev;
	s->next = s->prev = NULL;
}

static void slab_push(struct heap_class *c, struct heap_slab *s, bool full)
{
	struct heap_slab **head = full ? &c->full : &c->partial;
	s->on_full = full;
	s->prev = NULL;
	s->next = *head;
	if (*head)
		(*head)->prev = s;
	*head = s;
}

static inline bool bit_test(const uint64_t *m, unsigned i) { return (m[i / 64] >> (i % 64)) & 1; }
static inline void bit_set(uint64_t *m, unsigned i) { m[i / 64] |= 1ULL << (i % 64); }
static inline void bit_clear(uint64_t *m, unsigned i) { m[i / 64] &= ~(1ULL << (i % 64)); }

/* ---------------------------------------------------------------- alloc */

static void *alloc_small(struct heap *h, unsigned ci)
{
	struct heap_class *c = &h->classes[ci];
	struct heap_slab *s = c->partial;
	if (!s) {
		s = h->src.alloc(h->src.ctx, 0);
		if (!s)
			return NULL;
		memset(s, 0, sizeof(*s));
		s->magic = SLAB_MAGIC ^ key(s);
		s->class_idx = (uint8_t)ci;
		s->nfree = c->per_slab;
		slab_push(c, s, false);
		h->pages_held++;
		c->empty_slabs++;
	}
	if (s->nfree == c->per_slab)
		c->empty_slabs--;
	unsigned i = 0;
	while (bit_test(s->live, i))   /* terminates: nfree > 0 on the partial list */
		i++;
	bit_set(s->live, i);
	if (--s->nfree == 0) {
		slab_unlink(c, s);
		slab_push(c, s, true);
	}
	h->bytes_in_use += c->size;
	h->live_objects++;
	return (uint8_t *)s + HEAP_HEADER_SIZE + (size_t)i * c->size;
}

static void *alloc_large(struct heap *h, size_t size)
{
	unsigned order = 0;
	while (((uint64_t)HEAP_PAGE_SIZE << order) - HEAP_HEADER_SIZE < size)
		order++;
	struct heap_large *l = h->src.alloc(h->src.ctx, order);
	if (!l)
		return NULL;
	memset(l, 0, sizeof(*l));
	l->magic = LARGE_MAGIC ^ key(l);
	l->order = order;
	l->size = size;
	h->pages_held += 1ULL << order;
	h->bytes_in_use += (size_t)HEAP_PAGE_SIZE << order;
	h->live_objects++;
	return (uint8_t *)l + HEAP_HEADER_SIZE;
}

void *heap_core_alloc(struct heap *h, size_t size)
{
	if (size == 0)
		size = 1;
	if (size <= HEAP_MAX_SLAB_SIZE) {
		unsigned ci = 0;
		while (class_sizes[ci] < size)
			ci++;
		return alloc_small(h, ci);
	}
	if (size > ((uint64_t)HEAP_PAGE_SIZE << HEAP_MAX_ORDER) - HEAP_HEADER_SIZE) {
		pr_warn("heap: request of %zu bytes is larger than the largest block", size);
		return NULL;
	}
	return alloc_large(h, size);
}

/* ---------------------------------------------------------------- free */

struct heap_obj {
	struct heap_slab *slab;      /* small object: its slab and index */
	unsigned index;
	struct heap_large *large;    /* or a large block */
};

/* Find what p is. Returns 0, or -EINVAL (logged when 'report'). */
static int classify(struct heap *h, const void *p, struct heap_obj *o, bool report)
{
	uintptr_t a = (uintptr_t)p;
	uintptr_t off = a & (HEAP_PAGE_SIZE - 1);
	const char *why;
	o->slab = NULL;
	o->large = NULL;
	if ((a & (HEAP_ALIGN - 1)) || off < HEAP_HEADER_SIZE) {
		why = "not an object address";
		goto bad;
	}
	if (h->src.contains && !h->src.contains(h->src.ctx, p)) {
		why = "not heap memory";
		goto bad;
	}
	void *page = (void *)(a - off);
	uint64_t magic = *(const uint64_t *)page ^ key(page);
	if (magic == SLAB_MAGIC) {
		struct heap_slab *s = page;
		if (s->class_idx >= HEAP_NUM_CLASSES) {
			why = "slab header corrupted";
			goto bad;
		}
		const struct heap_class *c = &h->classes[s->class_idx];
		uintptr_t rel = off - HEAP_HEADER_SIZE;
		if (rel % c->size || rel / c->size >= c->per_slab) {
			why = "not the start of an object";
			goto bad;
		}
		o->slab = s;
		o->index = (unsigned)(rel / c->size);
		if (!bit_test(s->live, o->index)) {
			why = "double free (object not allocated)";
			goto bad;
		}
		return 0;
	}
	if (off == HEAP_HEADER_SIZE && magic == LARGE_MAGIC) {
		o->large = page;
		return 0;
	}
	why = off == HEAP_HEADER_SIZE && magic == LARGE_FREED_MAGIC
		      ? "double free (large block already freed)"
		      : "no heap header (foreign pointer)";
bad:
	if (report)
		pr_err("heap: free of %p: %s", p, why);
	return -EINVAL;
}

int heap_core_free(struct heap *h, void *p)
{
	if (!p)
		return 0;
	struct heap_obj o;
	int rc = classify(h, p, &o, true);
	if (rc)
		return rc;
	if (o.large) {
		unsigned order = o.large->order;
		o.large->magic = LARGE_FREED_MAGIC ^ key(o.large);
		h->pages_held -= 1ULL << order;
		h->bytes_in_use -= (size_t)HEAP_PAGE_SIZE << order;
		h->live_objects--;
		h->src.free(h->src.ctx, o.large, order);
		return 0;
	}
	struct heap_slab *s = o.slab;
	struct heap_class *c = &h->classes[s->class_idx];
	bit_clear(s->live, o.index);
	memset(p, FREE_POISON, c->size);   /* use-after-free shows up as 0x6b6b... */
	h->bytes_in_use -= c->size;
	h->live_objects--;
	if (s->nfree++ == 0) {
		slab_unlink(c, s);
		slab_push(c, s, false);
	}
	if (s->nfree == c->per_slab) {
		/* Keep one empty slab per class so alloc/free at a boundary does
		 * not bounce a page back and forth; return the others. */
		if (c->empty_slabs >= 1) {
			slab_unlink(c, s);
			s->magic = 0;
			h->pages_held--;
			h->src.free(h->src.ctx, s, 0);
		} else {
			c->empty_slabs++;
		}
	}
	return 0;
}

uint64_t heap_core_trim(struct heap *h)
{
	uint64_t released = 0;

	for (unsigned ci = 0; ci < HEAP_NUM_CLASSES; ci++) {
		struct heap_class *c = &h->classes[ci];
		struct heap_slab *next;

		/* Empty slabs are on the partial list (nfree == per_slab). */
		for (struct heap_slab *s = c->partial; s && c->empty_slabs; s = next) {
			next = s->next;
			if (s->nfree != c->per_slab)
				continue;
			slab_unlink(c, s);
			s->magic = 0;
			c->empty_slabs--;
			h->pages_held--;
			h->src.free(h->src.ctx, s, 0);
			released++;
		}
	}
	return released;
}

size_t heap_core_usable_size(struct heap *h, const void *p)
{
	struct heap_obj o;
	if (!p || classify(h, p, &o, false))
		return 0;
	if (o.large)
		return ((size_t)HEAP_PAGE_SIZE << o.large->order) - HEAP_HEADER_SIZE;
	return h->classes[o.slab->class_idx].size;
}

static int check_list(struct heap *h, unsigned ci, struct heap_slab *head, bool full,
		      uint64_t *live, unsigned *empty)
{
	const struct heap_class *c = &h->classes[ci];
	struct heap_slab *prev = NULL;
	for (struct heap_slab *s = head; s; prev = s, s = s->next) {
		unsigned used = 0;
		for (unsigned i = 0; i < 256; i++)
			if (bit_test(s->live, i)) {
				if (i >= c->per_slab)
					goto bad;
				used++;
			}
		if ((s->magic ^ key(s)) != SLAB_MAGIC || s->class_idx != ci || s->prev != prev ||
		    s->on_full != full || used + s->nfree != c->per_slab || (s->nfree == 0) != full)
			goto bad;
		*live += used;
		if (used == 0)
			(*empty)++;
		continue;
bad:
		pr_err("heap: class %u (%u bytes): slab %p inconsistent", ci, c->size, (void *)s);
		return -EINVAL;
	}
	return 0;
}

int heap_core_check(struct heap *h)
{
	for (unsigned ci = 0; ci < HEAP_NUM_CLASSES; ci++) {
		uint64_t live = 0;
		unsigned empty = 0;
		struct heap_class *c = &h->classes[ci];
		if (check_list(h, ci, c->partial, false, &live, &empty) ||
		    check_list(h, ci, c->full, true, &live, &empty))
			return -EINVAL;
		if (empty != c->empty_slabs) {
			pr_err("heap: class %u: %u empty slabs, counted %u", ci, empty, c->empty_slabs);
			return -EINVAL;
		}
	}
	return 0;
}
