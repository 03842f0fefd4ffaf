/* buddy.c - binary buddy allocator over physical page frames (pure).
 *
 * Per page of a zone, one state byte:
 *   ABSENT        not managed (hole, excluded range, or never added)
 *   FREE  | k     first page of a free block of order k (on free list k)
 *   ALLOC | k     first page of an allocated block of order k
 *   TAIL          any other page of a managed block, free or allocated
 * Only head bytes change on split, merge, alloc and free, so those are
 * O(BUDDY_MAX_ORDER); tails are written once, when memory is added.
 * Free lists are doubly linked through the zone's 'links' array (page
 * indices relative to the zone), never through the free memory itself.
 *
 * Invariants (checked by buddy_check()):
 *   - a block of order k starts at a page frame that is a multiple of 2^k;
 *   - every block on free list k has state FREE|k and lies inside its zone;
 *   - no two free buddies of the same order coexist (they are merged).
 */
#include <plinth/buddy.h>
#include <plinth/log.h>
#include <plinth/string.h>

#define ST_KIND_MASK   0xC0u
#define ST_ABSENT      0x00u
#define ST_FREE        0x40u
#define ST_ALLOC       0x80u
#define ST_TAIL        0xC0u
#define ST_ORDER_MASK  0x1Fu

_Static_assert(BUDDY_MAX_ORDER <= ST_ORDER_MASK, "order must fit the state byte");

size_t buddy_meta_size(uint64_t npages)
{
	/* state bytes, padded to 4, then next/prev links */
	return (size_t)(ALIGN_UP(npages, 4ULL) + npages * 2 * sizeof(uint32_t));
}

void buddy_init(struct buddy *b)
{
	memset(b, 0, sizeof(*b));
}

static inline uint32_t *link_next(struct buddy_zone *z, uint32_t i) { return &z->links[2 * (size_t)i]; }
static inline uint32_t *link_prev(struct buddy_zone *z, uint32_t i) { return &z->links[2 * (size_t)i + 1]; }

/* Push the block at zone index i on free list 'order' and mark it FREE. */
static void list_push(struct buddy_zone *z, uint32_t i, unsigned order)
{
	uint32_t head = z->free_head[order];
	*link_next(z, i) = head;
	*link_prev(z, i) = BUDDY_NO_LINK;
	if (head != BUDDY_NO_LINK)
		*link_prev(z, head) = i;
	z->free_head[order] = i;
	z->state[i] = (uint8_t)(ST_FREE | order);
}

/* Unlink the free block at zone index i from free list 'order'. */
static void list_remove(struct buddy_zone *z, uint32_t i, unsigned order)
{
	uint32_t next = *link_next(z, i), prev = *link_prev(z, i);
	if (prev != BUDDY_NO_LINK)
		*link_next(z, prev) = next;
	else
		z->free_head[order] = next;
	if (next != BUDDY_NO_LINK)
		*link_prev(z, next) = prev;
}

/* The zone holding page frame pfn, or NULL (binary search: zones sorted). */
static struct buddy_zone *zone_of(const struct buddy *b, uint64_t pfn)
{
	unsigned lo = 0, hi = b->nzones;
	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		const struct buddy_zone *z = &b->zones[mid];
		if (pfn < z->base_pfn)
			hi = mid;
		else if (pfn >= z->base_pfn + z->npages)
			lo = mid + 1;
		else
			return (struct buddy_zone *)z;
	}
	return NULL;
}

int buddy_add_zone(struct buddy *b, paddr_t base, uint64_t npages, void *meta,
		   size_t meta_size)
{
	if (!IS_ALIGNED(base, BUDDY_PAGE_SIZE) || base == 0 || npages == 0 ||
	    npages > BUDDY_MAX_ZONE_PAGES || (base >> BUDDY_PAGE_SHIFT) + npages < npages) {
		pr_err("buddy: bad zone base 0x%llx pages %llu", (unsigned long long)base,
		       (unsigned long long)npages);
		return -EINVAL;
	}
	if (!meta || !IS_ALIGNED((uintptr_t)meta, 4) || meta_size < buddy_meta_size(npages)) {
		pr_err("buddy: zone at 0x%llx: metadata %zu bytes at %p, need %zu (4-aligned)",
		       (unsigned long long)base, meta_size, meta, buddy_meta_size(npages));
		return -EINVAL;
	}
	if (b->nzones >= BUDDY_MAX_ZONES) {
		pr_err("buddy: too many zones (max %u), zone at 0x%llx ignored", BUDDY_MAX_ZONES,
		       (unsigned long long)base);
		return -ENOSPC;
	}
	uint64_t first = base >> BUDDY_PAGE_SHIFT, last = first + npages;
	unsigned pos = 0;
	while (pos < b->nzones && b->zones[pos].base_pfn < first)
		pos++;
	/* Sorted by base: only the neighbours can overlap. */
	if ((pos > 0 && b->zones[pos - 1].base_pfn + b->zones[pos - 1].npages > first) ||
	    (pos < b->nzones && b->zones[pos].base_pfn < last)) {
		pr_err("buddy: zone 0x%llx+%llu pages overlaps an existing zone",
		       (unsigned long long)base, (unsigned long long)npages);
		return -EINVAL;
	}
	memmove(&b->zones[pos + 1], &b->zones[pos], (b->nzones - pos) * sizeof(b->zones[0]));
	b->nzones++;

	struct buddy_zone *z = &b->zones[pos];
	memset(z, 0, sizeof(*z));
	z->base_pfn = first;
	z->npages = npages;
	z->state = meta;
	z->links = (uint32_t *)((uint8_t *)meta + ALIGN_UP(npages, 4ULL));
	memset(z->state, ST_ABSENT, (size_t)npages);
	for (unsigned k = 0; k <= BUDDY_MAX_ORDER; k++)
		z->free_head[k] = BUDDY_NO_LINK;
	return (int)pos;
}

/* Put the block at zone index i (order k, its head not on any list and its
 * tails TAIL) back, merging with free buddies as far as possible. */
static void free_block(struct buddy_zone *z, uint32_t i, unsigned k)
{
	uint64_t pfn = z->base_pfn + i;
	while (k < BUDDY_MAX_ORDER) {
		uint64_t buddy_pfn = pfn ^ (1ULL << k);
		if (buddy_pfn < z->base_pfn || buddy_pfn + (1ULL << k) > z->base_pfn + z->npages)
			break;
		uint32_t bi = (uint32_t)(buddy_pfn - z->base_pfn);
		if (z->state[bi] != (ST_FREE | k))
			break;
		list_remove(z, bi, k);
		/* The higher of the two heads becomes a tail of the merged block. */
		if (buddy_pfn > pfn) {
			z->state[bi] = ST_TAIL;
		} else {
			z->state[pfn - z->base_pfn] = ST_TAIL;
			pfn = buddy_pfn;
		}
		k++;
	}
	list_push(z, (uint32_t)(pfn - z->base_pfn), k);
}

int64_t buddy_add_range(struct buddy *b, paddr_t start, paddr_t end)
{
	if (end < start) {
		pr_err("buddy: add range 0x%llx-0x%llx: end before start",
		       (unsigned long long)start, (unsigned long long)end);
		return -EINVAL;
	}
	if (start > UINT64_MAX - (BUDDY_PAGE_SIZE - 1))
		return 0;  /* no whole page inside */
	uint64_t first = ALIGN_UP(start, BUDDY_PAGE_SIZE) >> BUDDY_PAGE_SHIFT;
	uint64_t last = ALIGN_DOWN(end, BUDDY_PAGE_SIZE) >> BUDDY_PAGE_SHIFT;
	if (last <= first)
		return 0;
	struct buddy_zone *z = zone_of(b, first);
	if (!z || last > z->base_pfn + z->npages) {
		pr_err("buddy: add range 0x%llx-0x%llx: not inside one zone",
		       (unsigned long long)start, (unsigned long long)end);
		return -EINVAL;
	}
	for (uint64_t p = first; p < last; p++) {
		if (z->state[p - z->base_pfn] != ST_ABSENT) {
			pr_err("buddy: add range 0x%llx-0x%llx: page 0x%llx already managed",
			       (unsigned long long)start, (unsigned long long)end,
			       (unsigned long long)(p << BUDDY_PAGE_SHIFT));
			return -EINVAL;
		}
	}
	/* Mark everything TAIL first so merging never sees an ABSENT page
	 * inside a block, then free the largest aligned blocks that fit. */
	memset(&z->state[first - z->base_pfn], ST_TAIL, (size_t)(last - first));
	uint64_t pfn = first;
	while (pfn < last) {
		unsigned k = 0;
		while (k < BUDDY_MAX_ORDER && (pfn & ((2ULL << k) - 1)) == 0 &&
		       pfn + (2ULL << k) <= last)
			k++;
		free_block(z, (uint32_t)(pfn - z->base_pfn), k);
		pfn += 1ULL << k;
	}
	uint64_t n = last - first;
	z->managed_pages += n;
	z->free_pages += n;
	b->managed_pages += n;
	b->free_pages += n;
	return (int64_t)n;
}

/* Find a free block of order >= k in z whose first 2^k pages end at or
 * below limit_pfn. Returns its zone index and sets *order, or BUDDY_NO_LINK. */
static uint32_t find_block(struct buddy_zone *z, unsigned k, uint64_t limit_pfn, unsigned *order)
{
	bool whole_zone_ok = z->base_pfn + z->npages <= limit_pfn;
	for (unsigned j = k; j <= BUDDY_MAX_ORDER; j++) {
		for (uint32_t i = z->free_head[j]; i != BUDDY_NO_LINK; i = *link_next(z, i)) {
			if (whole_zone_ok || z->base_pfn + i + (1ULL << k) <= limit_pfn) {
				*order = j;
				return i;
			}
		}
	}
	return BUDDY_NO_LINK;
}

paddr_t buddy_alloc(struct buddy *b, unsigned order, paddr_t limit)
{
	if (order > BUDDY_MAX_ORDER)
		return 0;
	uint64_t limit_pfn = limit >> BUDDY_PAGE_SHIFT;
	for (unsigned zi = b->nzones; zi-- > 0;) {
		struct buddy_zone *z = &b->zones[zi];
		if (z->free_pages < (1ULL << order) || z->base_pfn + (1ULL << order) > limit_pfn)
			continue;
		unsigned j;
		uint32_t i = find_block(z, order, limit_pfn, &j);
		if (i == BUDDY_NO_LINK)
			continue;
		list_remove(z, i, j);
		/* Split: keep the low half, free the high halves. */
		while (j > order) {
			j--;
			list_push(z, i + (1u << j), j);
		}
		z->state[i] = (uint8_t)(ST_ALLOC | order);
		z->free_pages -= 1ULL << order;
		b->free_pages -= 1ULL << order;
		return (z->base_pfn + i) << BUDDY_PAGE_SHIFT;
	}
	return 0;
}

int buddy_free(struct buddy *b, paddr_t pa, unsigned order)
{
	if (order > BUDDY_MAX_ORDER || !IS_ALIGNED(pa, BUDDY_PAGE_SIZE << order)) {
		pr_err("buddy: free of 0x%llx order %u: bad order or alignment",
		       (unsigned long long)pa, order);
		return -EINVAL;
	}
	uint64_t pfn = pa >> BUDDY_PAGE_SHIFT;
	struct buddy_zone *z = zone_of(b, pfn);
	if (!z) {
		pr_err("buddy: free of 0x%llx: not managed memory", (unsigned long long)pa);
		return -EINVAL;
	}
	uint32_t i = (uint32_t)(pfn - z->base_pfn);
	uint8_t st = z->state[i];
	switch (st & ST_KIND_MASK) {
	case ST_ALLOC:
		break;
	case ST_FREE:
		pr_err("buddy: double free of 0x%llx (order %u)", (unsigned long long)pa, order);
		return -EINVAL;
	case ST_TAIL:
		pr_err("buddy: free of 0x%llx: not the start of an allocated block",
		       (unsigned long long)pa);
		return -EINVAL;
	default:
		pr_err("buddy: free of 0x%llx: not managed memory", (unsigned long long)pa);
		return -EINVAL;
	}
	if ((st & ST_ORDER_MASK) != order) {
		pr_err("buddy: free of 0x%llx with order %u, allocated with order %u",
		       (unsigned long long)pa, order, st & ST_ORDER_MASK);
		return -EINVAL;
	}
	z->state[i] = ST_TAIL;   /* free_block() writes the head state */
	free_block(z, i, order);
	z->free_pages += 1ULL << order;
	b->free_pages += 1ULL << order;
	return 0;
}

bool buddy_manages(const struct buddy *b, paddr_t pa)
{
	const struct buddy_zone *z = zone_of(b, pa >> BUDDY_PAGE_SHIFT);
	return z && z->state[(pa >> BUDDY_PAGE_SHIFT) - z->base_pfn] != ST_ABSENT;
}

void buddy_free_blocks(const struct buddy *b, uint64_t counts[BUDDY_MAX_ORDER + 1])
{
	for (unsigned k = 0; k <= BUDDY_MAX_ORDER; k++)
		counts[k] = 0;
	for (unsigned zi = 0; zi < b->nzones; zi++) {
		struct buddy_zone *z = (struct buddy_zone *)&b->zones[zi];
		for (unsigned k = 0; k <= BUDDY_MAX_ORDER; k++)
			for (uint32_t i = z->free_head[k]; i != BUDDY_NO_LINK; i = *link_next(z, i))
				counts[k]++;
	}
}

/* Check one zone; see the invariants at the top of the file. */
static int check_zone(const struct buddy_zone *zc, unsigned zi)
{
	struct buddy_zone *z = (struct buddy_zone *)zc;
	uint64_t free_pages = 0, managed = 0, free_heads = 0, listed = 0;
	for (unsigned k = 0; k <= BUDDY_MAX_ORDER; k++) {
		uint32_t prev = BUDDY_NO_LINK;
		for (uint32_t i = z->free_head[k]; i != BUDDY_NO_LINK; i = *link_next(z, i)) {
			uint64_t pfn = z->base_pfn + i;
			if (i >= z->npages || z->state[i] != (ST_FREE | k) ||
			    *link_prev(z, i) != prev || (pfn & ((1ULL << k) - 1)) != 0 ||
			    i + (1ULL << k) > z->npages || ++listed > z->npages) {
				pr_err("buddy: zone %u: free list %u broken at index %u", zi, k, i);
				return -EINVAL;
			}
			uint64_t buddy_pfn = pfn ^ (1ULL << k);
			if (k < BUDDY_MAX_ORDER && buddy_pfn >= z->base_pfn &&
			    buddy_pfn + (1ULL << k) <= z->base_pfn + z->npages &&
			    z->state[buddy_pfn - z->base_pfn] == (ST_FREE | k)) {
				pr_err("buddy: zone %u: free buddies 0x%llx/0x%llx order %u not merged",
				       zi, (unsigned long long)pfn, (unsigned long long)buddy_pfn, k);
				return -EINVAL;
			}
			free_pages += 1ULL << k;
			prev = i;
		}
	}
	for (uint64_t i = 0; i < z->npages; i++) {
		uint8_t st = z->state[i];
		if (st != ST_ABSENT)
			managed++;
		if ((st & ST_KIND_MASK) == ST_FREE)
			free_heads++;
	}
	if (free_pages != z->free_pages || managed != z->managed_pages || free_heads != listed) {
		pr_err("buddy: zone %u: counts wrong (free %llu/%llu, managed %llu/%llu, heads %llu/%llu)",
		       zi, (unsigned long long)free_pages, (unsigned long long)z->free_pages,
		       (unsigned long long)managed, (unsigned long long)z->managed_pages,
		       (unsigned long long)free_heads, (unsigned long long)listed);
		return -EINVAL;
	}
	return 0;
}

int buddy_check(const struct buddy *b)
{
	uint64_t free_pages = 0, managed = 0;
	for (unsigned zi = 0; zi < b->nzones; zi++) {
		int rc = check_zone(&b->zones[zi], zi);
		if (rc)
			return rc;
		if (zi > 0 && b->zones[zi - 1].base_pfn + b->zones[zi - 1].npages > b->zones[zi].base_pfn) {
			pr_err("buddy: zones %u and %u overlap or are unsorted", zi - 1, zi);
			return -EINVAL;
		}
		free_pages += b->zones[zi].free_pages;
		managed += b->zones[zi].managed_pages;
	}
	if (free_pages != b->free_pages || managed != b->managed_pages) {
		pr_err("buddy: totals wrong (free %llu/%llu, managed %llu/%llu)",
		       (unsigned long long)free_pages, (unsigned long long)b->free_pages,
		       (unsigned long long)managed, (unsigned long long)b->managed_pages);
		return -EINVAL;
	}
	return 0;
}
