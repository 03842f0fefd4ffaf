/* mm.h - physical memory, the kernel heap and the host address space.
 *
 * Virtual layout of the host (4-level paging):
 *   0xFFFF800000000000  direct map of all physical memory (RW, NX)
 *   0xFFFFC00000000000  kernel stacks, each below an unmapped guard page
 *   0xFFFFFFFF80000000  the plinth image (text RX, rodata R, data/bss RW+NX)
 * Low memory is not mapped after paging_init() (a NULL dereference faults). */
#ifndef PLINTH_MM_H
#define PLINTH_MM_H

#include <plinth/compiler.h>

struct boot_info;

#define PAGE_SHIFT        12
#define PAGE_SIZE         4096ULL
#define PHYS_MAP_BASE     0xFFFF800000000000ULL
#define STACK_AREA_BASE   0xFFFFC00000000000ULL
#define KERNEL_VIRT_BASE  0xFFFFFFFF80000000ULL
#define KERNEL_PHYS_BASE  0x200000ULL

static inline void *phys_to_virt(paddr_t pa) { return (void *)(uintptr_t)(pa + PHYS_MAP_BASE); }
/* Valid for direct-map and kernel-image addresses. */
paddr_t virt_to_phys(const void *va);

/* ---- page allocator (mm/page_alloc.c over mm/buddy.c) ----
 * Never hands out the first MiB, the plinth image, boot modules, the boot
 * information itself or any range not typed usable. */
void pmm_init(const struct boot_info *bi);
/* 2^order contiguous, naturally aligned pages; returns 0 when none. Contents
 * are not cleared. */
paddr_t page_alloc(unsigned order);
/* The same, but the whole block lies below 'limit' (e.g. 4 GiB for things a
 * 32-bit CPU mode or device must reach). */
paddr_t page_alloc_below(unsigned order, paddr_t limit);
paddr_t page_alloc_zeroed(unsigned order);
void page_free(paddr_t pa, unsigned order);
uint64_t pmm_total_pages(void);
uint64_t pmm_free_pages(void);
/* Bring up the memory above 4 GiB (its allocator metadata lives there, so
 * it must be mapped first). Called by paging_init() after the switch to
 * the final tables; before it, every page handed out lies below 4 GiB. */
void pmm_init_late(void);
/* True if the page holding pa is RAM the page allocator manages. */
bool pmm_page_managed(paddr_t pa);

/* ---- kernel heap (mm/heap.c) ---- */
void heap_init(void);
void *kmalloc(size_t size);          /* 16-byte aligned, NULL on failure */
void *kzalloc(size_t size);
void kfree(void *p);
size_t heap_bytes_in_use(void);
/* Give the heap's cached empty slabs back to the page allocator (after a
 * VM is destroyed: all its memory is free again); returns the page count. */
uint64_t heap_trim(void);

/* ---- host address space (mm/host_paging.c) ---- */
/* Build the final host page tables (W^X image, NX direct map of all RAM and
 * MMIO below the top of the memory map or 4 GiB, whichever is higher) and
 * switch CR3 to them. */
void paging_init(const struct boot_info *bi);
/* Physical address of the host PML4. It comes from below 4 GiB, so a
 * 32-bit MOV to CR3 (an AP trampoline before long mode) can load it. */
paddr_t host_cr3(void);
/* On another CPU (AP), once it runs in long mode on any tables that map
 * the kernel image: program the same IA32_PAT, EFER.NXE, CR0.WP, load
 * host_cr3() and enable global pages, exactly as paging_init() did. */
void paging_init_this_cpu(void);
/* A kernel stack of 'pages' pages with an unmapped guard page below it.
 * Returns the top (initial RSP), NULL on failure. */
void *kstack_alloc(unsigned pages);
/* Map an MMIO range uncached into the direct map (if not already covered)
 * and return its virtual address. */
void *ioremap(paddr_t pa, size_t len);

#endif
