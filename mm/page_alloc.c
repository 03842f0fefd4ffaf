/* page_alloc.c - the kernel's physical page allocator: mm/pmm_plan.c decides
 * what is managed, mm/buddy.c manages it, this file adds the lock and the
 * boot sequencing.
 *
 * Memory above 4 GiB: before paging_init() only 0..4 GiB is reachable
 * (boot page tables), and the buddy's metadata of a zone lives inside the
 * zone. So pmm_init() brings up the zones below 4 GiB only; paging_init()
 * calls pmm_init_late() once its direct map covers all RAM, which brings
 * up the zones above 4 GiB. Until then every page handed out lies below
 * 4 GiB, which is what paging_init() needs to build the new tables through
 * the boot direct map. */
#include <plinth/boot_info.h>
#include <plinth/buddy.h>
#include <plinth/log.h>
#include <plinth/mm.h>
#include <plinth/panic.h>
#include <plinth/spinlock.h>
#include <plinth/string.h>

#define LOW_LIMIT (4 * GiB)

extern char __image_start[], __image_end[];

static struct buddy pmm;
static struct pmm_plan plan;          /* kept for pmm_init_late() */
static spinlock_t pmm_lock = SPINLOCK_INIT;
static bool pmm_ready, pmm_late_done;

/* Give one planned zone to the buddy. Its metadata must be reachable now. */
static void bring_up_zone(const struct pmm_plan_zone *z)
{
	uint64_t npages = (z->end - z->base) / PAGE_SIZE;
	int idx = buddy_add_zone(&pmm, z->base, npages, phys_to_virt(z->meta), z->meta_bytes);
	if (idx < 0) {
		pr_err("pmm: zone 0x%llx-0x%llx not usable (error %d)", (unsigned long long)z->base,
		       (unsigned long long)z->end, idx);
		return;
	}
	for (unsigned i = 0; i < z->npieces; i++) {
		const struct pmm_range *r = &plan.pieces[z->first_piece + i];
		int64_t n = buddy_add_range(&pmm, r->start, r->end);
		if (n < 0)
			pr_err("pmm: range 0x%llx-0x%llx not usable", (unsigned long long)r->start,
			       (unsigned long long)r->end);
	}
}

/* Physical address of a kernel object, before paging_init() too: image
 * and direct-map addresses are fixed offsets; anything else is refused. */
static paddr_t object_phys(const void *p)
{
	uintptr_t a = (uintptr_t)p;
	if (a >= KERNEL_VIRT_BASE)
		return a - KERNEL_VIRT_BASE;
	if (a >= PHYS_MAP_BASE)
		return a - PHYS_MAP_BASE;
	return a;   /* identity map of the boot page tables */
}

void pmm_init(const struct boot_info *bi)
{
	BUG_ON(pmm_ready);
	static struct pmm_range excl[PMM_PLAN_MAX_EXCL];
	unsigned n = 0;

	/* The first MiB: real-mode IVT, BDA, EBDA, VGA and BIOS ROMs, and the
	 * AP start-up trampoline goes there. */
	excl[n++] = (struct pmm_range){ 0, 1 * MiB };
	/* The image as loaded, by the loader's word and by our own symbols. */
	paddr_t img_start = (uintptr_t)__image_start - KERNEL_VIRT_BASE;
	paddr_t img_end = (uintptr_t)__image_end - KERNEL_VIRT_BASE;
	if (bi->kernel_end > bi->kernel_start) {
		img_start = MIN(img_start, bi->kernel_start);
		img_end = MAX(img_end, bi->kernel_end);
	}
	excl[n++] = (struct pmm_range){ img_start, img_end };
	paddr_t bi_pa = object_phys(bi);
	excl[n++] = (struct pmm_range){ bi_pa, bi_pa + sizeof(*bi) };
	unsigned mods = MIN(bi->module_count, (uint32_t)BOOT_MAX_MODULES);
	for (unsigned i = 0; i < mods && n < PMM_PLAN_MAX_EXCL; i++) {
		const struct boot_module *m = &bi->modules[i];
		if (m->end < m->start)
			pr_warn("pmm: module %u has end 0x%llx before start 0x%llx; excluding both",
				i, (unsigned long long)m->end, (unsigned long long)m->start);
		excl[n++] = (struct pmm_range){ MIN(m->start, m->end), MAX(m->start, m->end) };
	}
	_Static_assert(PMM_PLAN_MAX_EXCL >= 3 + BOOT_MAX_MODULES, "room for every exclusion");

	if (pmm_plan_build(&plan, bi, LOW_LIMIT, excl, n))
		panic("pmm: cannot plan physical memory");

	uint64_t meta_bytes = 0, high_bytes = 0;
	buddy_init(&pmm);
	for (unsigned z = 0; z < plan.nzones; z++) {
		meta_bytes += plan.zones[z].meta_bytes;
		if (plan.zones[z].base < LOW_LIMIT) {
			bring_up_zone(&plan.zones[z]);
		} else {
			for (unsigned i = 0; i < plan.zones[z].npieces; i++) {
				const struct pmm_range *r = &plan.pieces[plan.zones[z].first_piece + i];
				high_bytes += r->end - r->start;
			}
		}
	}
	pmm_ready = true;
	pr_info("pmm: %llu MiB usable, %llu MiB managed below 4 GiB (%llu MiB free), "
		"%llu MiB above 4 GiB after paging; %u zones, %llu KiB metadata",
		(unsigned long long)(plan.usable_bytes / MiB),
		(unsigned long long)(buddy_total_pages(&pmm) * PAGE_SIZE / MiB),
		(unsigned long long)(buddy_free_pages(&pmm) * PAGE_SIZE / MiB),
		(unsigned long long)(high_bytes / MiB), plan.nzones,
		(unsigned long long)(meta_bytes / KiB));
	if (plan.dropped_bytes)
		pr_warn("pmm: %llu KiB of usable memory could not be managed",
			(unsigned long long)(plan.dropped_bytes / KiB));
	if (buddy_total_pages(&pmm) == 0)
		panic("pmm: no usable memory below 4 GiB outside the image and modules");
}

void pmm_init_late(void)
{
	BUG_ON(!pmm_ready);
	if (pmm_late_done)
		return;
	pmm_late_done = true;
	uint64_t before = buddy_total_pages(&pmm);
	uint64_t flags = spin_lock_irqsave(&pmm_lock);
	for (unsigned z = 0; z < plan.nzones; z++)
		if (plan.zones[z].base >= LOW_LIMIT)
			bring_up_zone(&plan.zones[z]);
	spin_unlock_irqrestore(&pmm_lock, flags);
	if (buddy_total_pages(&pmm) != before)
		pr_info("pmm: %llu MiB above 4 GiB added; %llu MiB total, %llu MiB free",
			(unsigned long long)((buddy_total_pages(&pmm) - before) * PAGE_SIZE / MiB),
			(unsigned long long)(buddy_total_pages(&pmm) * PAGE_SIZE / MiB),
			(unsigned long long)(buddy_free_pages(&pmm) * PAGE_SIZE / MiB));
}

paddr_t page_alloc_below(unsigned order, paddr_t limit)
{
	uint64_t flags = spin_lock_irqsave(&pmm_lock);
	paddr_t pa = buddy_alloc(&pmm, order, limit);
	spin_unlock_irqrestore(&pmm_lock, flags);
	return pa;
}

paddr_t page_alloc(unsigned order)
{
	return page_alloc_below(order, UINT64_MAX);
}

paddr_t page_alloc_zeroed(unsigned order)
{
	paddr_t pa = page_alloc(order);
	if (pa)
		memset(phys_to_virt(pa), 0, PAGE_SIZE << order);
	return pa;
}

void page_free(paddr_t pa, unsigned order)
{
	uint64_t flags = spin_lock_irqsave(&pmm_lock);
	int rc = buddy_free(&pmm, pa, order);   /* misuse is logged and refused */
	spin_unlock_irqrestore(&pmm_lock, flags);
	(void)rc;
}

bool pmm_page_managed(paddr_t pa)
{
	uint64_t flags = spin_lock_irqsave(&pmm_lock);
	bool managed = buddy_manages(&pmm, pa);
	spin_unlock_irqrestore(&pmm_lock, flags);
	return managed;
}

uint64_t pmm_total_pages(void) { return READ_ONCE(pmm.managed_pages); }
uint64_t pmm_free_pages(void) { return READ_ONCE(pmm.free_pages); }
