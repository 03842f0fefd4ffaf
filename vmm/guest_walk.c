/* guest_walk.c - a guest page-table walk (see <plinth/guest_walk.h>).
 * Pure: table entries come through the caller's read callback. */
#include <plinth/guest_walk.h>
#include <x86/cpu.h>

#define PTE_P       BIT(0)
#define PTE_PS      BIT(7)
#define CR4_LA57    BIT(12)
/* Address bits of an entry of the PAE and IA-32e formats: 51:12 (SDM vol. 3
 * §4.4.2, §4.5.4, at most 52 physical address bits). */
#define PTE_ADDR    0x000FFFFFFFFFF000ULL

static int read_entry(guest_phys_read_fn read, void *ctx, uint64_t gpa, unsigned len,
		      uint64_t *entry)
{
	uint32_t e32 = 0;
	int err;

	*entry = 0;
	err = len == 8 ? read(ctx, gpa, entry, 8) : read(ctx, gpa, &e32, 4);
	if (len == 4)
		*entry = e32;
	return err;
}

/* 32-bit paging: a page directory of 1024 4-byte entries, 4 MiB pages
 * when CR4.PSE and PDE.PS (SDM vol. 3 §4.3; PSE-36 high bits 20:13 of the
 * PDE give physical bits 39:32). */
static int walk32(const struct guest_paging *p, uint32_t linear, guest_phys_read_fn read,
		  void *ctx, uint64_t *gpa)
{
	uint64_t pde, pte;
	int err;

	err = read_entry(read, ctx, (p->cr3 & 0xFFFFF000u) + 4u * (linear >> 22), 4, &pde);
	if (err)
		return err;
	if (!(pde & PTE_P))
		return -EFAULT;
	if ((pde & PTE_PS) && (p->cr4 & CR4_PSE)) {
		*gpa = (pde & 0xFFC00000u) | (((pde >> 13) & 0xFF) << 32) | (linear & 0x3FFFFF);
		return 0;
	}
	err = read_entry(read, ctx, (pde & 0xFFFFF000u) + 4u * ((linear >> 12) & 0x3FF), 4, &pte);
	if (err)
		return err;
	if (!(pte & PTE_P))
		return -EFAULT;
	*gpa = (pte & 0xFFFFF000u) | (linear & 0xFFF);
	return 0;
}

/* PAE, 4-level and 5-level paging: 8-byte entries, 9 index bits per
 * level; the PAE PDPT has 4 entries at CR3[31:5] (SDM vol. 3 §4.4, §4.5).
 * 5-level paging puts a PML5 table indexed by linear bits 56:48 above the
 * PML4 (§4.5.1, §4.5.4); its entries have no PS bit (bit 7 is reserved
 * in a PML5E as in a PML4E). PS in a PDPTE (1 GiB, IA-32e only) or a PDE
 * (2 MiB) ends the walk. */
static int walk64(const struct guest_paging *p, uint64_t linear, bool ia32e,
		  guest_phys_read_fn read, void *ctx, uint64_t *gpa)
{
	/* 5: PML5, 4: PML4, 3: PDPT, 2: PD, 1: PT */
	int level = !ia32e ? 3 : (p->cr4 & CR4_LA57) ? 5 : 4;
	uint64_t table = ia32e ? (p->cr3 & PTE_ADDR) : (p->cr3 & 0xFFFFFFE0u);
	uint64_t entry;
	int err;

	for (;; level--) {
		unsigned shift = 12 + 9 * (unsigned)(level - 1);
		unsigned index = (unsigned)((linear >> shift) & (ia32e || level < 3 ? 0x1FF : 0x3));

		err = read_entry(read, ctx, table + 8u * index, 8, &entry);
		if (err)
			return err;
		if (!(entry & PTE_P))
			return -EFAULT;
		/* PAE PDPTEs have no PS bit and bits 2:1, 8:5 reserved
		 * (§4.4.1); bit 63 (XD) is reserved there too. */
		if (!ia32e && level == 3 && (entry & (0x1E6ULL | BIT(63))))
			return -EFAULT;
		/* PS is reserved in PML5 and PML4 entries (§4.5.4, Tables
		 * 4-14 and 4-15). */
		if (level >= 4 && (entry & PTE_PS))
			return -EFAULT;
		if (level == 1 || ((entry & PTE_PS) && (level == 2 || (level == 3 && ia32e)))) {
			uint64_t page = 1ULL << shift;
			*gpa = (entry & PTE_ADDR & ~(page - 1)) | (linear & (page - 1));
			return 0;
		}
		table = entry & PTE_ADDR;
	}
}

int guest_walk(const struct guest_paging *p, uint64_t linear, guest_phys_read_fn read,
	       void *ctx, uint64_t *gpa)
{
	if (!(p->cr0 & CR0_PG)) {
		*gpa = linear & ((p->efer & EFER_LMA) ? ~0ULL : 0xFFFFFFFFULL);
		return 0;
	}
	/* CR4.LA57 selects 5-level paging only in IA-32e mode (SDM vol. 3
	 * §4.1.1); outside it the CPU ignores the bit. */
	if (p->efer & EFER_LMA)
		return walk64(p, linear, true, read, ctx, gpa);
	if (p->cr4 & CR4_PAE)
		return walk64(p, (uint32_t)linear, false, read, ctx, gpa);
	return walk32(p, (uint32_t)linear, read, ctx, gpa);
}
