/* heap.c - kmalloc/kzalloc/kfree: the heap core (mm/heap_core.c) over the
 * page allocator, reached through the direct map, under one lock.
 * kfree() of something the heap never returned, or a double free, is a
 * broken hypervisor invariant: it is reported and then panics. */
#include <plinth/heap_core.h>
#include <plinth/log.h>
#include <plinth/mm.h>
#include <plinth/panic.h>
#include <plinth/spinlock.h>
#include <plinth/string.h>

static struct heap kheap;
static spinlock_t heap_lock = SPINLOCK_INIT;
static bool heap_ready;

static void *heap_pages_alloc(void *ctx, unsigned order)
{
	(void)ctx;
	paddr_t pa = page_alloc(order);
	return pa ? phys_to_virt(pa) : NULL;
}

static void heap_pages_free(void *ctx, void *p, unsigned order)
{
	(void)ctx;
	page_free(virt_to_phys(p), order);
}

/* Only direct-map addresses of managed RAM can be heap memory: anything
 * else is rejected before the core reads a header through it. */
static bool heap_may_own(void *ctx, const void *p)
{
	(void)ctx;
	uintptr_t a = (uintptr_t)p;
	if (a < PHYS_MAP_BASE || a >= STACK_AREA_BASE)
		return false;
	return pmm_page_managed(a - PHYS_MAP_BASE);
}

void heap_init(void)
{
	static const struct heap_page_source src = {
		.alloc = heap_pages_alloc,
		.free = heap_pages_free,
		.contains = heap_may_own,
	};
	heap_core_init(&kheap, &src);
	heap_ready = true;
	pr_info("heap: ready (%u size classes up to %u bytes, larger requests in pages)",
		HEAP_NUM_CLASSES, HEAP_MAX_SLAB_SIZE);
}

void *kmalloc(size_t size)
{
	BUG_ON(!heap_ready);
	uint64_t flags = spin_lock_irqsave(&heap_lock);
	void *p = heap_core_alloc(&kheap, size);
	spin_unlock_irqrestore(&heap_lock, flags);
	return p;
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);
	if (p)
		memset(p, 0, size);
	return p;
}

void kfree(void *p)
{
	if (!p)
		return;
	uint64_t flags = spin_lock_irqsave(&heap_lock);
	int rc = heap_core_free(&kheap, p);
	spin_unlock_irqrestore(&heap_lock, flags);
	if (rc)
		panic("kfree(%p): not a live heap object (see the message above)", p);
}

uint64_t heap_trim(void)
{
	BUG_ON(!heap_ready);
	uint64_t flags = spin_lock_irqsave(&heap_lock);
	uint64_t n = heap_core_trim(&kheap);
	spin_unlock_irqrestore(&heap_lock, flags);
	return n;
}

size_t heap_bytes_in_use(void)
{
	return READ_ONCE(kheap.bytes_in_use);
}
