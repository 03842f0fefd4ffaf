/* pmm_plan.c - decide, from the boot memory map, which physical pages the
 * buddy allocator manages and where each zone's metadata lives (pure).
 *
 * Steps: usable ranges rounded inward to pages (a page shared with a
 * reserved range is never handed out) -> adjacent ones merged -> split at
 * 'split' and at the largest zone size -> exclusions (rounded outward)
 * subtracted, leaving "pieces" -> metadata carved from the start of the
 * first piece of the zone that is large enough. */
#include <plinth/boot_info.h>
#include <plinth/buddy.h>
#include <plinth/log.h>
#include <plinth/string.h>

/* Zones are cut into pieces of at most this size: what 32-bit links can
 * index, rounded down to 1 GiB. */
#define ZONE_CHUNK  (ALIGN_DOWN(BUDDY_MAX_ZONE_PAGES << BUDDY_PAGE_SHIFT, 1ULL << 30))

static void sort_ranges(struct pmm_range *r, unsigned n)
{
	for (unsigned i = 1; i < n; i++) {
		struct pmm_range v = r[i];
		unsigned j = i;
		while (j > 0 && r[j - 1].start > v.start) {
			r[j] = r[j - 1];
			j--;
		}
		r[j] = v;
	}
}

/* Sort and merge overlapping or touching ranges in place; returns the new count. */
static unsigned merge_ranges(struct pmm_range *r, unsigned n)
{
	sort_ranges(r, n);
	unsigned out = 0;
	for (unsigned i = 0; i < n; i++) {
		if (r[i].end <= r[i].start)
			continue;
		if (out > 0 && r[i].start <= r[out - 1].end)
			r[out - 1].end = MAX(r[out - 1].end, r[i].end);
		else
			r[out++] = r[i];
	}
	return out;
}

/* Append [start, end) to the plan's pieces. Returns false when full. */
static bool add_piece(struct pmm_plan *plan, paddr_t start, paddr_t end)
{
	if (plan->npieces >= PMM_PLAN_MAX_PIECES) {
		pr_warn("pmm: too many free pieces, 0x%llx-0x%llx not used",
			(unsigned long long)start, (unsigned long long)end);
		plan->dropped_bytes += end - start;
		return false;
	}
	plan->pieces[plan->npieces].start = start;
	plan->pieces[plan->npieces].end = end;
	plan->npieces++;
	return true;
}

/* Plan one zone candidate [zs, ze) (page-aligned, within one chunk). */
static void plan_zone(struct pmm_plan *plan, paddr_t zs, paddr_t ze,
		      const struct pmm_range *excl, unsigned nexcl)
{
	unsigned first = plan->npieces;
	paddr_t cur = zs;
	for (unsigned i = 0; i < nexcl && cur < ze; i++) {
		if (excl[i].end <= cur || excl[i].start >= ze)
			continue;
		if (excl[i].start > cur)
			add_piece(plan, cur, excl[i].start);
		cur = MAX(cur, excl[i].end);
	}
	if (cur < ze)
		add_piece(plan, cur, ze);
	unsigned n = plan->npieces - first;
	if (n == 0)
		return;

	paddr_t base = plan->pieces[first].start, end = plan->pieces[first + n - 1].end;
	uint64_t meta_bytes = buddy_meta_size((end - base) >> BUDDY_PAGE_SHIFT);
	uint64_t meta_span = ALIGN_UP(meta_bytes, BUDDY_PAGE_SIZE);
	uint64_t zone_bytes = 0;
	for (unsigned i = first; i < first + n; i++)
		zone_bytes += plan->pieces[i].end - plan->pieces[i].start;

	if (plan->nzones >= PMM_PLAN_MAX_ZONES) {
		pr_warn("pmm: too many zones, 0x%llx-0x%llx not used",
			(unsigned long long)base, (unsigned long long)end);
		plan->dropped_bytes += zone_bytes;
		plan->npieces = first;
		return;
	}
	unsigned host = first;
	while (host < first + n && plan->pieces[host].end - plan->pieces[host].start < meta_span)
		host++;
	if (host == first + n) {
		pr_warn("pmm: 0x%llx-0x%llx too fragmented for its %llu KiB of metadata, not used",
			(unsigned long long)base, (unsigned long long)end,
			(unsigned long long)(meta_span / 1024));
		plan->dropped_bytes += zone_bytes;
		plan->npieces = first;
		return;
	}
	struct pmm_plan_zone *z = &plan->zones[plan->nzones++];
	z->base = base;
	z->end = end;
	z->meta = plan->pieces[host].start;
	z->meta_bytes = meta_bytes;
	plan->pieces[host].start += meta_span;
	if (plan->pieces[host].start == plan->pieces[host].end) {
		memmove(&plan->pieces[host], &plan->pieces[host + 1],
			(plan->npieces - host - 1) * sizeof(plan->pieces[0]));
		plan->npieces--;
		n--;
	}
	z->first_piece = first;
	z->npieces = n;
}

int pmm_plan_build(struct pmm_plan *plan, const struct boot_info *bi, paddr_t split,
		   const struct pmm_range *excl_in, unsigned nexcl)
{
	if (!plan || !bi || nexcl > PMM_PLAN_MAX_EXCL || (nexcl && !excl_in)) {
		pr_err("pmm: bad plan arguments");
		return -EINVAL;
	}
	memset(plan, 0, sizeof(*plan));

	struct pmm_range excl[PMM_PLAN_MAX_EXCL];
	for (unsigned i = 0; i < nexcl; i++) {
		excl[i].start = ALIGN_DOWN(excl_in[i].start, BUDDY_PAGE_SIZE);
		/* Round up, saturating at the last page boundary. */
		excl[i].end = excl_in[i].end > UINT64_MAX - BUDDY_PAGE_SIZE
				      ? ALIGN_DOWN(UINT64_MAX, BUDDY_PAGE_SIZE)
				      : ALIGN_UP(excl_in[i].end, BUDDY_PAGE_SIZE);
	}
	nexcl = merge_ranges(excl, nexcl);

	unsigned count = bi->mem_count;
	if (count > BOOT_MAX_MEM_RANGES) {
		pr_warn("pmm: boot memory map claims %u ranges, using %u", count, BOOT_MAX_MEM_RANGES);
		count = BOOT_MAX_MEM_RANGES;
	}
	/* Collect usable ranges (rounded inward) and merge them. */
	_Static_assert(PMM_PLAN_MAX_USABLE >= BOOT_MAX_MEM_RANGES, "scratch space");
	struct pmm_range *usable = plan->scratch;
	unsigned nusable = 0;
	for (unsigned i = 0; i < count; i++) {
		const struct boot_mem_range *m = &bi->mem[i];
		if (m->type != BOOT_MEM_USABLE || m->length == 0)
			continue;
		uint64_t end = m->base + m->length;
		if (end < m->base) {
			pr_warn("pmm: memory range 0x%llx+0x%llx wraps, clipped",
				(unsigned long long)m->base, (unsigned long long)m->length);
			end = UINT64_MAX;
		}
		plan->usable_bytes += end - m->base;
		if (end > PMM_PHYS_LIMIT) {
			pr_warn("pmm: memory range 0x%llx+0x%llx reaches beyond 2^52, clipped",
				(unsigned long long)m->base, (unsigned long long)m->length);
			end = PMM_PHYS_LIMIT;
			if (m->base >= end)
				continue;
		}
		paddr_t s = ALIGN_UP(m->base, BUDDY_PAGE_SIZE), e = ALIGN_DOWN(end, BUDDY_PAGE_SIZE);
		if (s == 0)
			s = BUDDY_PAGE_SIZE;   /* page 0 is never managed */
		if (e > s) {
			usable[nusable].start = s;
			usable[nusable].end = e;
			nusable++;
		}
	}
	nusable = merge_ranges(usable, nusable);

	for (unsigned r = 0; r < nusable; r++) {
		paddr_t s = usable[r].start;
		while (s < usable[r].end) {
			paddr_t e = usable[r].end;
			if (split && s < split && e > split)
				e = split;
			if (e - s > ZONE_CHUNK)
				e = s + ZONE_CHUNK;
			plan_zone(plan, s, e, excl, nexcl);
			s = e;
		}
	}
	return 0;
}
