/* host_paging.c - the host address space, built once with the page-table
 * engine (mm/pgtable.c, host format) and shared by every CPU:
 *   PHYS_MAP_BASE + pa   every range of the memory map (any type) and all
 *                        of 0..4 GiB. RAM and ACPI ranges are WB; the rest
 *                        (reserved ranges, MMIO holes) UC. RW, NX, global.
 *   STACK_AREA_BASE ..   kernel stacks, each above an unmapped guard page.
 *   KERNEL_VIRT_BASE+pa  the image: text RX, rodata R, data/bss RW (W^X).
 * Nothing else is mapped: low addresses fault (NULL dereferences).
 * TLB shootdown across CPUs is not done: mappings are only ever added, except
 * ioremap() turning an existing non-UC mapping UC (flushed on this CPU). */
#include <plinth/boot_info.h>
#include <plinth/log.h>
#include <plinth/mm.h>
#include <plinth/panic.h>
#include <plinth/pgtable.h>
#include <plinth/spinlock.h>
#include <plinth/string.h>
#include <x86/cpu.h>

#define LOW_4G          (4 * GiB)
#define DIRECT_MAP_SIZE (STACK_AREA_BASE - PHYS_MAP_BASE)   /* 64 TiB */
#define PROT_DATA       (PT_R | PT_W | PT_G)

/* CPUID bits (Intel SDM vol. 2A, CPUID; AMD APM vol. 3 Appendix E). */
#define CPUID1_EDX_PGE      BIT(13)
#define CPUID1_EDX_PAT      BIT(16)
#define CPUIDE1_EDX_NX      BIT(20)
#define CPUIDE1_EDX_1GB     BIT(26)

extern char __text_start[], __text_end[], __rodata_start[], __rodata_end[];
extern char __data_start[], __bss_end[];

static struct pt host_pt;
static spinlock_t host_pt_lock = SPINLOCK_INIT;
static bool paging_done;
static bool alloc_low_only;      /* while building: tables must sit below 4 GiB */
static uint64_t stack_next = STACK_AREA_BASE;
static bool cpu_has_nx, cpu_has_pge, cpu_has_pat;

static paddr_t host_alloc_table(void *ctx)
{
	(void)ctx;
	return alloc_low_only ? page_alloc_below(0, LOW_4G) : page_alloc(0);
}

static void host_free_table(void *ctx, paddr_t pa)
{
	(void)ctx;
	page_free(pa, 0);
}

static void *host_table_va(void *ctx, paddr_t pa)
{
	(void)ctx;
	return phys_to_virt(pa);
}

static const struct pt_ops host_pt_ops = {
	.alloc_page = host_alloc_table,
	.free_page = host_free_table,
	.phys_to_virt = host_table_va,
};

/* Map [pa, pa+len) at PHYS_MAP_BASE + pa, rounded outward to pages and
 * clipped to the direct map. Out of memory here is fatal (boot). */
static void direct_map(paddr_t pa, uint64_t len, enum pt_memtype mt)
{
	if (len == 0 || pa >= DIRECT_MAP_SIZE)
		return;
	paddr_t end = len > DIRECT_MAP_SIZE - pa ? DIRECT_MAP_SIZE : pa + len;
	paddr_t start = ALIGN_DOWN(pa, PAGE_SIZE);
	end = ALIGN_UP(end, PAGE_SIZE);
	int rc = pt_map(&host_pt, PHYS_MAP_BASE + start, start, end - start, PROT_DATA, mt);
	if (rc)
		panic("paging: cannot map 0x%llx-0x%llx (error %d)", (unsigned long long)start,
		      (unsigned long long)end, rc);
}

/* RAM and firmware tables are cacheable; everything else is not. */
static bool mem_type_is_ram(uint32_t type)
{
	return type == BOOT_MEM_USABLE || type == BOOT_MEM_ACPI_RECLAIM ||
	       type == BOOT_MEM_ACPI_NVS;
}

static void map_image_section(const char *name, char *start, char *end, unsigned prot)
{
	uint64_t va = (uintptr_t)start, va_end = (uintptr_t)end;
	if (!IS_ALIGNED(va, PAGE_SIZE) || !IS_ALIGNED(va_end, PAGE_SIZE) || va_end < va)
		panic("paging: image section %s [%p, %p) not page aligned (see linker.ld)", name,
		      (void *)start, (void *)end);
	if (va_end == va)
		return;
	int rc = pt_map(&host_pt, va, va - KERNEL_VIRT_BASE, va_end - va, prot, PT_MEM_WB);
	if (rc)
		panic("paging: cannot map image section %s (error %d)", name, rc);
}

/* The control-register and MSR state the host tables rely on, the same
 * on every CPU:
 *  - IA32_PAT = PT_HOST_PAT_VALUE (entries 4..7 change from the power-on
 *    value; no live mapping uses them yet, so no flush is needed: Intel SDM
 *    vol. 3 §12.12.4);
 *  - EFER.NXE, or bit 63 of the entries is reserved (SDM §4.5, Table 4-14);
 *  - CR0.WP, so read-only pages bind the kernel too (SDM §4.6.1);
 *  - CR4.PGE toggled after loading CR3: flushes global entries left from
 *    the boot tables, then keeps ours across CR3 writes (SDM §4.10.4.1). */
static void load_host_tables(void)
{
	if (cpu_has_pat)
		wrmsr(MSR_IA32_PAT, PT_HOST_PAT_VALUE);
	if (cpu_has_nx) {
		uint64_t efer = rdmsr(MSR_EFER);
		if (!(efer & EFER_NXE))
			wrmsr(MSR_EFER, efer | EFER_NXE);
	}
	write_cr0(read_cr0() | CR0_WP);
	write_cr3(host_pt.root);
	if (cpu_has_pge) {
		uint64_t cr4 = read_cr4();
		write_cr4(cr4 & ~CR4_PGE);
		write_cr4(cr4 | CR4_PGE);
	}
}

struct wx_audit {
	unsigned violations;
	uint64_t low_mapped;       /* bytes mapped below the kernel half */
};

static int audit_leaf(void *arg, const struct pt_leaf *leaf)
{
	struct wx_audit *a = arg;
	if ((leaf->prot & PT_W) && (leaf->prot & PT_X) && !(host_pt.flags & PT_INIT_NO_NX)) {
		pr_err("paging: W+X mapping at 0x%llx (%llu bytes)", (unsigned long long)leaf->va,
		       (unsigned long long)leaf->size);
		a->violations++;
	}
	if (leaf->va < PHYS_MAP_BASE)
		a->low_mapped += leaf->size;
	return 0;
}

void paging_init(const struct boot_info *bi)
{
	BUG_ON(paging_done);
	uint32_t a, b, c, d, max_ext;
	cpuid(1, &a, &b, &c, &d);
	cpu_has_pge = d & CPUID1_EDX_PGE;
	cpu_has_pat = d & CPUID1_EDX_PAT;
	cpuid(0x80000000, &max_ext, &b, &c, &d);
	bool gbpages = false;
	if (max_ext >= 0x80000001) {
		cpuid(0x80000001, &a, &b, &c, &d);
		cpu_has_nx = d & CPUIDE1_EDX_NX;
		gbpages = d & CPUIDE1_EDX_1GB;
	}
	if (!cpu_has_nx)
		pr_warn("paging: CPU without NX: data and the direct map stay executable");
	if (!cpu_has_pat)
		pr_warn("paging: CPU without PAT: WC/WP mappings would be wrong");

	unsigned flags = (gbpages ? PT_INIT_1G : 0) | (cpu_has_nx ? 0 : PT_INIT_NO_NX);
	alloc_low_only = true;
	if (pt_init(&host_pt, &pt_format_host, &host_pt_ops, NULL, flags))
		panic("paging: no memory below 4 GiB for the host page tables");
	alloc_low_only = false;
	/* Tables below 4 GiB: reachable through the boot map while building.
	 * pmm_init() only gave the allocator memory below 4 GiB, so this holds
	 * for every table allocated here; check the root anyway. */
	BUG_ON(host_pt.root >= LOW_4G);

	/* Direct map: 0..4 GiB uncached (MMIO holes), then every memory-map
	 * range with its type; RAM last so a page shared between RAM and a
	 * reserved range stays WB (the MTRRs still make real MMIO UC: SDM
	 * §12.5.2.2, Table 12-7). */
	direct_map(0, LOW_4G, PT_MEM_UC);
	unsigned count = MIN(bi->mem_count, (uint32_t)BOOT_MAX_MEM_RANGES);
	for (unsigned pass = 0; pass < 2; pass++) {
		for (unsigned i = 0; i < count; i++) {
			const struct boot_mem_range *m = &bi->mem[i];
			bool ram = mem_type_is_ram(m->type);
			if (ram != (pass == 1))
				continue;
			if (m->base >= DIRECT_MAP_SIZE || m->length > DIRECT_MAP_SIZE - m->base)
				pr_warn("paging: memory 0x%llx+0x%llx beyond the 64 TiB direct map, clipped",
					(unsigned long long)m->base, (unsigned long long)m->length);
			direct_map(m->base, m->length, ram ? PT_MEM_WB : PT_MEM_UC);
		}
	}

	/* The image, W^X per section. */
	map_image_section("text", __text_start, __text_end, PT_R | PT_X | PT_G);
	map_image_section("rodata", __rodata_start, __rodata_end, PT_R | PT_G);
	map_image_section("data+bss", __data_start, __bss_end, PT_R | PT_W | PT_G);

	/* Invariants of the layout: no page both writable and executable,
	 * nothing in the lower half (NULL and user addresses fault). */
	struct wx_audit audit = { 0 };
	pt_walk(&host_pt, audit_leaf, &audit);
	if (audit.violations || audit.low_mapped)
		panic("paging: %u W+X mappings, %llu bytes mapped in the lower half",
		      audit.violations, (unsigned long long)audit.low_mapped);

	load_host_tables();
	paging_done = true;
	pr_info("paging: host tables at 0x%llx (%llu table pages), 1 GiB pages %s, NX %s",
		(unsigned long long)host_pt.root, (unsigned long long)host_pt.table_pages,
		gbpages ? "yes" : "no", cpu_has_nx ? "yes" : "no");

	/* Memory above 4 GiB is mapped now: give it to the allocator. */
	pmm_init_late();
}

void paging_init_this_cpu(void)
{
	BUG_ON(!paging_done);
	load_host_tables();
}

paddr_t host_cr3(void)
{
	return host_pt.root;
}

paddr_t virt_to_phys(const void *va)
{
	uint64_t a = (uintptr_t)va;
	if (a >= KERNEL_VIRT_BASE)
		return a - KERNEL_VIRT_BASE;
	if (a >= STACK_AREA_BASE) {
		paddr_t pa = 0;
		uint64_t flags = spin_lock_irqsave(&host_pt_lock);
		int rc = pt_translate(&host_pt, a, &pa, NULL, NULL, NULL);
		spin_unlock_irqrestore(&host_pt_lock, flags);
		if (rc)
			panic("virt_to_phys(%p): not mapped in the stack area", va);
		return pa;
	}
	if (a >= PHYS_MAP_BASE)
		return a - PHYS_MAP_BASE;
	if (!paging_done && a < LOW_4G)
		return a;   /* the boot tables' identity map */
	panic("virt_to_phys(%p): not a direct-map, stack or image address", va);
}

void *kstack_alloc(unsigned pages)
{
	if (pages == 0 || pages > 256) {
		pr_err("kstack_alloc: %u pages is not a sensible stack size", pages);
		return NULL;
	}
	if (!paging_done) {
		pr_err("kstack_alloc: called before paging_init");
		return NULL;
	}
	uint64_t flags = spin_lock_irqsave(&host_pt_lock);
	uint64_t guard = stack_next;          /* stays unmapped */
	stack_next += (uint64_t)(pages + 1) * PAGE_SIZE;
	spin_unlock_irqrestore(&host_pt_lock, flags);

	uint64_t bottom = guard + PAGE_SIZE;
	for (unsigned i = 0; i < pages; i++) {
		paddr_t pa = page_alloc_zeroed(0);
		int rc = -ENOMEM;
		if (pa) {
			flags = spin_lock_irqsave(&host_pt_lock);
			rc = pt_map(&host_pt, bottom + (uint64_t)i * PAGE_SIZE, pa, PAGE_SIZE,
				    PROT_DATA, PT_MEM_WB);
			spin_unlock_irqrestore(&host_pt_lock, flags);
		}
		if (rc) {
			/* Undo: free the pages mapped so far (the address range is
			 * simply not reused). */
			if (pa)
				page_free(pa, 0);
			flags = spin_lock_irqsave(&host_pt_lock);
			for (unsigned j = 0; j < i; j++) {
				uint64_t va = bottom + (uint64_t)j * PAGE_SIZE;
				paddr_t old;
				if (pt_translate(&host_pt, va, &old, NULL, NULL, NULL) == 0) {
					pt_unmap(&host_pt, va, PAGE_SIZE);
					invlpg((void *)(uintptr_t)va);
					page_free(old, 0);
				}
			}
			spin_unlock_irqrestore(&host_pt_lock, flags);
			pr_err("kstack_alloc: out of memory for a %u-page stack", pages);
			return NULL;
		}
	}
	return (void *)(uintptr_t)(bottom + (uint64_t)pages * PAGE_SIZE);
}

void *ioremap(paddr_t pa, size_t len)
{
	if (len == 0 || pa >= DIRECT_MAP_SIZE || len > DIRECT_MAP_SIZE - pa) {
		pr_err("ioremap(0x%llx, %zu): empty or beyond the direct map", (unsigned long long)pa,
		       len);
		return NULL;
	}
	if (!paging_done) {
		pr_err("ioremap(0x%llx): called before paging_init", (unsigned long long)pa);
		return NULL;
	}
	paddr_t start = ALIGN_DOWN(pa, PAGE_SIZE), end = ALIGN_UP(pa + len, PAGE_SIZE);
	for (paddr_t p = start; p < end; p += PAGE_SIZE) {
		if (pmm_page_managed(p)) {
			pr_err("ioremap(0x%llx, %zu): page 0x%llx is RAM owned by the page allocator",
			       (unsigned long long)pa, len, (unsigned long long)p);
			return NULL;
		}
	}
	/* Map runs of pages that are unmapped or not UC; pages that had a
	 * (cached) translation are flushed from this CPU's TLB. */
	uint64_t flags = spin_lock_irqsave(&host_pt_lock);
	int rc = 0;
	paddr_t p = start;
	while (p < end && !rc) {
		enum pt_memtype mt;
		if (pt_translate(&host_pt, PHYS_MAP_BASE + p, NULL, NULL, &mt, NULL) == 0 &&
		    mt == PT_MEM_UC) {
			p += PAGE_SIZE;
			continue;
		}
		paddr_t run = p;
		bool flush = false;
		while (p < end) {
			int found = pt_translate(&host_pt, PHYS_MAP_BASE + p, NULL, NULL, &mt, NULL);
			if (found == 0 && mt == PT_MEM_UC)
				break;
			flush |= found == 0;
			p += PAGE_SIZE;
		}
		rc = pt_map(&host_pt, PHYS_MAP_BASE + run, run, p - run, PROT_DATA, PT_MEM_UC);
		for (paddr_t q = run; flush && q < p; q += PAGE_SIZE)
			invlpg(phys_to_virt(q));
	}
	spin_unlock_irqrestore(&host_pt_lock, flags);
	if (rc) {
		pr_err("ioremap(0x%llx, %zu): cannot map (error %d)", (unsigned long long)pa, len, rc);
		return NULL;
	}
	return phys_to_virt(pa);
}
