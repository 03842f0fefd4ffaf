/* buddy.h - the binary buddy allocator over physical page frames (mm/buddy.c)
 * and the boot-time plan that decides what it manages (mm/pmm_plan.c).
 * Both are pure: they build for the host and are unit-tested there.
 *
 * Design:
 *  - Memory is managed in zones: contiguous physical ranges, each with its
 *    own metadata array (1 state byte + two 32-bit list links per page, see
 *    buddy_meta_size()). The metadata is storage the caller passes in (in the
 *    kernel: pages carved out of the zone itself, reached through
 *    phys_to_virt). The allocator never reads or writes the memory it
 *    manages, so it can hand out pages that are not mapped yet, and a stray
 *    write into a free page cannot corrupt its lists.
 *  - A zone may have holes: only the ranges given to buddy_add_range() are
 *    ever handed out. Blocks are naturally aligned in physical address (a
 *    block of order k starts at a multiple of 2^k pages), so two zones never
 *    share a block and buddies are computed from the physical frame number.
 *  - Orders 0..BUDDY_MAX_ORDER (18: 1 GiB blocks, so guest RAM can be backed
 *    by 1 GiB EPT/NPT pages when it is available in one piece).
 *  - Physical page 0 is never managed (0 is the "no memory" return value).
 *  - Not locked: the kernel wrapper (mm/page_alloc.c) holds a spinlock.
 */
#ifndef PLINTH_BUDDY_H
#define PLINTH_BUDDY_H

#include <plinth/compiler.h>

struct boot_info;

#define BUDDY_PAGE_SHIFT   12
#define BUDDY_PAGE_SIZE    (1ULL << BUDDY_PAGE_SHIFT)
#define BUDDY_MAX_ORDER    18
#define BUDDY_MAX_ZONES    64
/* Links are 32-bit page indices inside a zone; this one means "none". */
#define BUDDY_NO_LINK      0xFFFFFFFFu
#define BUDDY_MAX_ZONE_PAGES ((uint64_t)BUDDY_NO_LINK - 1)

struct buddy_zone {
	uint64_t base_pfn;          /* first page frame of the zone */
	uint64_t npages;            /* pages covered (managed or hole) */
	uint8_t *state;             /* per page: kind (2 bits) | order (5 bits) */
	uint32_t *links;            /* per page: next at [2i], prev at [2i+1] */
	uint32_t free_head[BUDDY_MAX_ORDER + 1];   /* per order: first free block */
	uint64_t managed_pages;     /* pages given by buddy_add_range() */
	uint64_t free_pages;        /* of those, currently free */
};

struct buddy {
	struct buddy_zone zones[BUDDY_MAX_ZONES];  /* sorted by base_pfn */
	unsigned nzones;
	uint64_t managed_pages;
	uint64_t free_pages;
};

/* Bytes of metadata a zone of 'npages' pages needs. */
size_t buddy_meta_size(uint64_t npages);

/* Start an empty allocator. */
void buddy_init(struct buddy *b);

/* Declare a zone of 'npages' pages at page-aligned physical 'base', with
 * 'meta' (meta_size >= buddy_meta_size(npages), any alignment of 4) as its
 * metadata. The zone starts with no free memory. Returns the zone index or
 * -EINVAL (bad alignment, page 0, too large, overlaps a zone, meta too
 * small) / -ENOSPC (too many zones); problems are logged. */
int buddy_add_zone(struct buddy *b, paddr_t base, uint64_t npages, void *meta,
		   size_t meta_size);

/* Give the pages wholly inside [start, end) to the allocator (the range is
 * rounded inward to pages). The range must lie in one zone and none of its
 * pages may be managed already. Returns the number of pages added, or
 * -EINVAL (logged). Adjacent ranges coalesce into larger blocks. */
int64_t buddy_add_range(struct buddy *b, paddr_t start, paddr_t end);

/* Allocate 2^order naturally aligned pages lying wholly below 'limit'
 * (UINT64_MAX: anywhere). Higher zones are used first, so low memory stays
 * available for things that need it. Returns the physical address, or 0
 * when no such block is free or order > BUDDY_MAX_ORDER. */
paddr_t buddy_alloc(struct buddy *b, unsigned order, paddr_t limit);

/* Return a block from buddy_alloc() with the order it was allocated with.
 * A double free, a wrong order, an address that is not the start of an
 * allocated block or not managed at all is logged and refused with -EINVAL;
 * the allocator is left untouched. */
int buddy_free(struct buddy *b, paddr_t pa, unsigned order);

/* True if the page holding 'pa' is managed by this allocator (free or not). */
bool buddy_manages(const struct buddy *b, paddr_t pa);

static inline uint64_t buddy_free_pages(const struct buddy *b) { return b->free_pages; }
static inline uint64_t buddy_total_pages(const struct buddy *b) { return b->managed_pages; }

/* Free blocks per order summed over all zones (counts[0..BUDDY_MAX_ORDER]). */
void buddy_free_blocks(const struct buddy *b, uint64_t counts[BUDDY_MAX_ORDER + 1]);

/* Verify every invariant (lists well linked, list entries marked free with
 * the list's order, no two free buddies left uncoalesced, counts match).
 * Returns 0, or -EINVAL after logging the first violation. O(pages). */
int buddy_check(const struct buddy *b);

/* ---- boot-time plan (mm/pmm_plan.c) ----
 * Turns the boot memory map into zones: usable ranges rounded inward to
 * pages, adjacent usable ranges merged, split at 'split' (4 GiB in the
 * kernel, so zones above it can be brought up after paging_init), minus the
 * caller's exclusions (rounded outward to pages), nothing at or above
 * PMM_PHYS_LIMIT. Each zone's metadata is
 * carved out of the zone's own free pieces (first fit). */
#define PMM_PLAN_MAX_ZONES   BUDDY_MAX_ZONES
#define PMM_PLAN_MAX_PIECES  512
#define PMM_PLAN_MAX_EXCL    48
#define PMM_PLAN_MAX_USABLE  256   /* >= BOOT_MAX_MEM_RANGES */
/* The architectural limit of physical addresses (MAXPHYADDR <= 52, Intel
 * SDM vol. 3 §4.1.4); memory claimed beyond it is ignored. */
#define PMM_PHYS_LIMIT       (1ULL << 52)

struct pmm_range {
	paddr_t start;              /* first byte */
	paddr_t end;                /* one past the last byte */
};

struct pmm_plan_zone {
	paddr_t base, end;          /* page-aligned extent (first piece .. last piece) */
	paddr_t meta;               /* physical address of the metadata */
	uint64_t meta_bytes;        /* buddy_meta_size() of the zone */
	unsigned first_piece;       /* its free pieces: pieces[first .. first+n) */
	unsigned npieces;
};

struct pmm_plan {
	struct pmm_plan_zone zones[PMM_PLAN_MAX_ZONES];
	unsigned nzones;
	struct pmm_range pieces[PMM_PLAN_MAX_PIECES];
	unsigned npieces;
	uint64_t usable_bytes;      /* typed usable in the map (before exclusions) */
	uint64_t dropped_bytes;     /* usable but lost: no zone/piece slot, no room for metadata */
	struct pmm_range scratch[PMM_PLAN_MAX_USABLE];   /* merged usable ranges */
};

/* Build the plan. 'excl' may be unsorted and overlapping. Returns 0, or
 * -EINVAL if bi is NULL / nexcl too large. Memory that cannot be planned
 * (tables full, zone too fragmented for its metadata) is logged, counted
 * in dropped_bytes and skipped: the rest is still usable. */
int pmm_plan_build(struct pmm_plan *plan, const struct boot_info *bi, paddr_t split,
		   const struct pmm_range *excl, unsigned nexcl);

#endif
