/* vm.c - a VM's memory: guest RAM from the page allocator mapped into the
 * VM's second-level table (EPT or NPT, built by the mm page-table engine),
 * the guest-physical region map, and copying to and from guest RAM.
 * Vendor-neutral: the table format comes from the backend (vcpu_ops). */
#include <plinth/log.h>
#include <plinth/mm.h>
#include <plinth/panic.h>
#include <plinth/printf.h>
#include <plinth/string.h>
#include <plinth/virt.h>
#include <plinth/vm.h>
#include <plinth/vmcfg.h>
#include <x86/cpu.h>
#include <stdarg.h>
#include "platform.h"

static unsigned next_vm_id;

static paddr_t slat_alloc_page(void *ctx)
{
	return page_alloc(0);
}

static void slat_free_page(void *ctx, paddr_t pa)
{
	page_free(pa, 0);
}

static void *slat_phys_to_virt(void *ctx, paddr_t pa)
{
	return phys_to_virt(pa);
}

static const struct pt_ops slat_pt_ops = {
	.alloc_page = slat_alloc_page,
	.free_page = slat_free_page,
	.phys_to_virt = slat_phys_to_virt,
};

struct vm *vm_create(const char *name)
{
	struct vm *vm;
	unsigned flags = 0;

	if (!vcpu_ops) {
		pr_err("vm %s: no virtualization backend", name);
		return NULL;
	}
	vm = kzalloc(sizeof(*vm));
	if (!vm) {
		pr_err("vm %s: out of memory", name);
		return NULL;
	}
	str_copy(vm->name, name, sizeof(vm->name));
	vm->id = __atomic_fetch_add(&next_vm_id, 1, __ATOMIC_RELAXED);
	/* Large second-level pages only where the CPU walks them (EPT/NPT
	 * capabilities, virt.h). */
	if (virt.features & VIRT_F_SLAT_1G)
		flags |= PT_INIT_1G;
	if (!(virt.features & VIRT_F_SLAT_2M))
		flags |= PT_INIT_NO_2M;
	if (pt_init(&vm->slat, vcpu_ops->slat_format, &slat_pt_ops, NULL, flags)) {
		pr_err("vm %s: cannot allocate the second-level page table", name);
		kfree(vm);
		return NULL;
	}
	vm->state = VM_CREATED;
	return vm;
}

/* RAM is allocated in naturally aligned 2 MiB blocks (so the table can use
 * 2 MiB leaves); a region whose size is not a multiple of 2 MiB ends with
 * one smaller power-of-two block that covers the rest. */
static uint64_t ram_chunks(uint64_t size)
{
	return (size + VM_RAM_CHUNK - 1) / VM_RAM_CHUNK;
}

/* The page order of chunk i of a RAM region of size bytes. */
static unsigned ram_chunk_order(uint64_t size, uint64_t i)
{
	uint64_t bytes = MIN(size - i * VM_RAM_CHUNK, (uint64_t)VM_RAM_CHUNK);
	unsigned order = 0;

	while ((PAGE_SIZE << order) < bytes)
		order++;
	return order;
}

/* Zero bytes (a multiple of 8) at p with 8-byte stores: in Bochs, where
 * every iteration of a string instruction costs a tick, this is 8 times
 * faster than a byte-wise memset and zeroing dominated VM creation. */
static void zero_ram(void *p, uint64_t bytes)
{
	uint64_t count = bytes / 8;
	__asm__ __volatile__("rep stosq" : "+D"(p), "+c"(count) : "a"(0ULL) : "memory");
}

static void free_region(struct vm_region *r)
{
	if (r->type != VM_REGION_RAM || !r->chunks)
		return;
	for (uint64_t i = 0; i < ram_chunks(r->size); i++)
		if (r->chunks[i])
			page_free(r->chunks[i], ram_chunk_order(r->size, i));
	kfree(r->chunks);
	r->chunks = NULL;
}

void vm_release(struct vm *vm)
{
	if (!vm)
		return;
	/* Every vCPU left the scheduler and is off every CPU (the caller's
	 * contract: vm_reap, the stop handler). */
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		vcpu_free(vm->vcpus[i]);
		vm->vcpus[i] = NULL;
	}
	vm->nr_vcpus = 0;
	vm->vcpu = NULL;
	/* The tables go before the RAM they point at: no vCPU can walk them
	 * any more (its backend state is gone). */
	pt_destroy(&vm->slat);
	vm_platform_destroy(vm);
	vm->platform = NULL;
	for (unsigned i = 0; i < vm->region_count; i++)
		free_region(&vm->regions[i]);
	vm->region_count = 0;
	vm->io_count = 0;
	/* The UART (with its console ring) stays until vm_destroy: what a
	 * stopped VM printed last stays readable (`console NAME`). */
}

void vm_destroy(struct vm *vm)
{
	if (!vm)
		return;
	vm_release(vm);
	kfree(vm->uart);
	kfree(vm->config);
	kfree(vm);
}

static bool overlaps_region(const struct vm *vm, gpa_t base, uint64_t size)
{
	for (unsigned i = 0; i < vm->region_count; i++) {
		const struct vm_region *r = &vm->regions[i];
		if (base < r->base + r->size && r->base < base + size)
			return true;
	}
	return false;
}

int vm_add_ram(struct vm *vm, gpa_t gpa, uint64_t size)
{
	struct vm_region *r;
	uint64_t n;

	if (!size || !IS_ALIGNED(gpa, VM_RAM_CHUNK) || !IS_ALIGNED(size, PAGE_SIZE) ||
	    gpa + size < gpa || gpa + size > (1ULL << PT_VA_BITS)) {
		pr_err("vm %s: RAM at 0x%llx size 0x%llx: the start must be 2 MiB aligned and "
		       "the size a multiple of 4 KiB", vm->name, (unsigned long long)gpa,
		       (unsigned long long)size);
		return -EINVAL;
	}
	if (size > VM_RAM_MAX) {
		pr_err("vm %s: %llu MiB of RAM is more than plinth gives one VM (%llu MiB)", vm->name,
		       (unsigned long long)(size / MiB), (unsigned long long)(VM_RAM_MAX / MiB));
		return -EINVAL;
	}
	if (vm->region_count == VM_MAX_REGIONS || overlaps_region(vm, gpa, size)) {
		pr_err("vm %s: RAM at 0x%llx overlaps another region or the map is full", vm->name,
		       (unsigned long long)gpa);
		return -EINVAL;
	}
	n = ram_chunks(size);
	r = &vm->regions[vm->region_count];
	memset(r, 0, sizeof(*r));
	r->chunks = kzalloc(n * sizeof(r->chunks[0]));
	if (!r->chunks)
		return -ENOMEM;
	r->type = VM_REGION_RAM;
	r->base = gpa;
	r->size = size;
	for (uint64_t i = 0; i < n; i++) {
		unsigned order = ram_chunk_order(size, i);
		uint64_t bytes = MIN(size - i * VM_RAM_CHUNK, (uint64_t)VM_RAM_CHUNK);
		paddr_t pa = page_alloc(order);
		int err = pa ? 0 : -ENOMEM;
		if (pa) {
			r->chunks[i] = pa;
			/* Host pages may hold another VM's data: the guest gets
			 * them zeroed. Only the bytes it can see are mapped. */
			zero_ram(phys_to_virt(pa), bytes);
			err = pt_map(&vm->slat, gpa + i * VM_RAM_CHUNK, pa, bytes,
				     PT_R | PT_W | PT_X, PT_MEM_WB);
		}
		if (err) {
			pr_err("vm %s: cannot %s guest RAM at 0x%llx (error %d)", vm->name,
			       pa ? "map" : "allocate", (unsigned long long)(gpa + i * VM_RAM_CHUNK), err);
			/* Unmap what was mapped before its pages go back (pt_map may
			 * have mapped part of chunk i). */
			if (pt_unmap(&vm->slat, gpa, i * VM_RAM_CHUNK + bytes))
				panic("vm %s: cannot unmap guest RAM after a failed mapping", vm->name);
			free_region(r);
			return err;
		}
	}
	vm->region_count++;
	return 0;
}

int vm_add_mmio(struct vm *vm, gpa_t gpa, uint64_t size, const struct vm_mmio_ops *ops,
		void *dev)
{
	struct vm_region *r;

	if (!size || !IS_ALIGNED(gpa, PAGE_SIZE) || !IS_ALIGNED(size, PAGE_SIZE) ||
	    gpa + size < gpa || !ops) {
		pr_err("vm %s: MMIO region at 0x%llx size 0x%llx is not page aligned", vm->name,
		       (unsigned long long)gpa, (unsigned long long)size);
		return -EINVAL;
	}
	if (vm->region_count == VM_MAX_REGIONS || overlaps_region(vm, gpa, size)) {
		pr_err("vm %s: MMIO region at 0x%llx overlaps another region or the map is full",
		       vm->name, (unsigned long long)gpa);
		return -EINVAL;
	}
	/* Nothing is mapped: every access faults in the second-level table
	 * and is emulated (vmm/mmio.c). */
	r = &vm->regions[vm->region_count++];
	memset(r, 0, sizeof(*r));
	r->type = VM_REGION_MMIO;
	r->base = gpa;
	r->size = size;
	r->mmio = ops;
	r->dev = dev;
	return 0;
}

struct vm_region *vm_find_region(struct vm *vm, gpa_t gpa)
{
	for (unsigned i = 0; i < vm->region_count; i++) {
		struct vm_region *r = &vm->regions[i];
		if (gpa >= r->base && gpa - r->base < r->size)
			return r;
	}
	return NULL;
}

/* Host pointer for gpa and how many bytes from there lie in the same RAM
 * chunk (chunks are not contiguous in host memory). NULL if gpa is not RAM. */
static uint8_t *ram_ptr(struct vm *vm, gpa_t gpa, uint64_t *avail)
{
	struct vm_region *r = vm_find_region(vm, gpa);
	uint64_t off;

	if (!r || r->type != VM_REGION_RAM)
		return NULL;
	off = gpa - r->base;
	*avail = MIN(VM_RAM_CHUNK - off % VM_RAM_CHUNK, r->size - off);
	return (uint8_t *)phys_to_virt(r->chunks[off / VM_RAM_CHUNK]) + off % VM_RAM_CHUNK;
}

/* Copy between guest RAM and a host buffer (src or dst NULL: zero fill). */
static int guest_copy(struct vm *vm, gpa_t gpa, void *dst, const void *src, uint64_t len,
		      bool to_guest)
{
	gpa_t start = gpa;

	while (len) {
		uint64_t avail;
		uint8_t *p = ram_ptr(vm, gpa, &avail);
		if (!p) {
			pr_err("vm %s: guest-physical 0x%llx (in a copy from 0x%llx) is not RAM",
			       vm->name, (unsigned long long)gpa, (unsigned long long)start);
			return -EFAULT;
		}
		uint64_t n = MIN(avail, len);
		if (to_guest && src)
			memcpy(p, src, n);
		else if (to_guest)
			memset(p, 0, n);
		else
			memcpy(dst, p, n);
		if (src)
			src = (const uint8_t *)src + n;
		if (dst)
			dst = (uint8_t *)dst + n;
		gpa += n;
		len -= n;
	}
	return 0;
}

int vm_write_guest(struct vm *vm, gpa_t gpa, const void *src, uint64_t len)
{
	return guest_copy(vm, gpa, NULL, src, len, true);
}

int vm_read_guest(struct vm *vm, gpa_t gpa, void *dst, uint64_t len)
{
	return guest_copy(vm, gpa, dst, NULL, len, false);
}

int vm_zero_guest(struct vm *vm, gpa_t gpa, uint64_t len)
{
	return guest_copy(vm, gpa, NULL, NULL, len, true);
}

unsigned vm_vcpus_wanted(const struct vm *vm)
{
	if (!vm->config || !vm->config->vcpus)
		return 1;
	return MIN(vm->config->vcpus, (unsigned)VM_MAX_VCPUS);
}

uint64_t vm_ram_size(const struct vm *vm)
{
	uint64_t total = 0;
	for (unsigned i = 0; i < vm->region_count; i++)
		if (vm->regions[i].type == VM_REGION_RAM)
			total += vm->regions[i].size;
	return total;
}

void vm_stop(struct vm *vm, const char *fmt, ...)
{
	va_list ap;

	/* vCPUs on several CPUs may stop the VM at once: one wins. */
	if (vm->state == VM_STOPPED || __atomic_exchange_n(&vm->stop_claimed, true, __ATOMIC_ACQ_REL))
		return;
	__atomic_store_n(&vm->state, VM_STOPPED, __ATOMIC_RELEASE);
	vm->stop_tsc = rdtsc();
	va_start(ap, fmt);
	kvsnprintf(vm->stop_reason, sizeof(vm->stop_reason), fmt, ap);
	va_end(ap);
	pr_info("vm %s: stopped: %s", vm->name, vm->stop_reason);
}
