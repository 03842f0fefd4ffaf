/* pgtable.h - one 4-level page-table engine (mm/pgtable.c) for every table
 * format plinth builds: host paging, Intel EPT, AMD NPT (and later shadow
 * tables, which use the host format). A format descriptor encodes and
 * decodes entries; the engine walks, allocates, splits and frees tables.
 * Pure: table pages are reached through the caller's ops, so host unit
 * tests run it over malloc'd memory.
 *
 * Semantics (all formats):
 *  - va, pa and len are 4 KiB aligned, len > 0. For the host format, va is
 *    a canonical 48-bit address and [va, va+len) stays in one half; for
 *    EPT/NPT, va is a guest-physical address below 2^48. pa + len <= 2^52.
 *  - pt_map() over an existing mapping REPLACES it (a remap): large pages
 *    partly covered are split first so the parts outside keep their
 *    mapping; tables wholly covered by a new large page are freed.
 *  - 1 GiB pages are used only with PT_INIT_1G, 2 MiB pages unless
 *    PT_INIT_NO_2M, each when va, pa and the remaining length allow.
 *  - pt_unmap() of unmapped parts is not an error; tables left empty are
 *    freed, so a map/unmap cycle returns every table page.
 *  - The engine never flushes TLBs (INVLPG, INVEPT, INVLPGA/ASID are the
 *    caller's) and is not locked.
 *  - On -ENOMEM, pt_map() may have mapped a prefix of the range.
 */
#ifndef PLINTH_PGTABLE_H
#define PLINTH_PGTABLE_H

#include <plinth/compiler.h>

/* Access rights and attributes of a mapping. */
#define PT_R     0x01u   /* readable (required except EPT execute-only) */
#define PT_W     0x02u   /* writable */
#define PT_X     0x04u   /* executable */
#define PT_U     0x08u   /* user-accessible (host/shadow; NPT sets it always; not for EPT) */
#define PT_G     0x10u   /* global (host/shadow leaves, Intel SDM vol. 3 §4.10.2.4) */
#define PT_IPAT  0x20u   /* EPT: ignore guest PAT (Intel SDM vol. 3 §29.3.7.2) */
#define PT_PROT_MASK 0x3Fu

/* Memory types, valued as their architectural encodings (Intel SDM vol. 3
 * §12.3 Table 12-2 / §12.12.2 PAT, and the EPT memory type field). */
enum pt_memtype {
	PT_MEM_UC       = 0,
	PT_MEM_WC       = 1,
	PT_MEM_WT       = 4,
	PT_MEM_WP       = 5,
	PT_MEM_WB       = 6,
	PT_MEM_UC_MINUS = 7,   /* PAT only; not valid in EPT */
};

/* The host PAT layout plinth programs (IA32_PAT, Intel SDM vol. 3 §12.12.2):
 * entries 0-3 are the power-on defaults, so tables that never set the PAT
 * bit mean the same before and after it is written; 4 is WC and 5 WP.
 *   PA0 WB  PA1 WT  PA2 UC-  PA3 UC  PA4 WC  PA5 WP  PA6 UC-  PA7 UC */
#define PT_HOST_PAT_VALUE 0x0007050100070406ULL

/* pt_init flags */
#define PT_INIT_1G          0x1u   /* allow 1 GiB leaves (CPUID 0x80000001 EDX[26] / EPT cap) */
#define PT_INIT_NO_2M       0x2u   /* 4 KiB leaves only */
#define PT_INIT_NO_NX       0x4u   /* CPU without NX: never set bit 63 (X is then implied) */
#define PT_INIT_EPT_XONLY   0x8u   /* EPT execute-only allowed (IA32_VMX_EPT_VPID_CAP[0]) */

#define PT_LEVELS     4
#define PT_ENTRIES    512
#define PT_VA_BITS    48
#define PT_PA_LIMIT   (1ULL << 52)

struct pt_format;

/* Where table pages come from. alloc_page returns a physical address (not
 * necessarily zeroed; 0 = out of memory); phys_to_virt gives a pointer the
 * engine reads and writes the table through. */
struct pt_ops {
	paddr_t (*alloc_page)(void *ctx);
	void (*free_page)(void *ctx, paddr_t pa);
	void *(*phys_to_virt)(void *ctx, paddr_t pa);
};

struct pt {
	const struct pt_format *fmt;
	const struct pt_ops *ops;
	void *ctx;              /* passed to every op */
	paddr_t root;           /* PML4 (CR3 / EPTP / nCR3 address bits) */
	unsigned flags;         /* PT_INIT_* */
	uint64_t table_pages;   /* table pages held, root included */
};

/* One leaf mapping as reported by pt_walk(). */
struct pt_leaf {
	uint64_t va;            /* sign-extended for the host format */
	paddr_t pa;
	uint64_t size;          /* 4 KiB, 2 MiB or 1 GiB */
	unsigned prot;          /* PT_* */
	enum pt_memtype memtype;
	unsigned level;         /* 1 = PTE, 2 = PDE, 3 = PDPTE */
	uint64_t entry;         /* the raw entry */
};

extern const struct pt_format pt_format_host;   /* Intel SDM vol. 3 §4.5 (4-level paging) */
extern const struct pt_format pt_format_ept;    /* Intel SDM vol. 3 §29.3.2 */
extern const struct pt_format pt_format_npt;    /* AMD APM vol. 2 §15.25 */

const char *pt_format_name(const struct pt_format *fmt);

/* Allocate an empty root. Returns 0 or -ENOMEM / -EINVAL (bad flags). */
int pt_init(struct pt *pt, const struct pt_format *fmt, const struct pt_ops *ops, void *ctx,
	    unsigned flags);
/* Map [va, va+len) to [pa, pa+len) with 'prot' and 'memtype'; see the
 * semantics above. Returns 0, -EINVAL (bad arguments, logged) or -ENOMEM. */
int pt_map(struct pt *pt, uint64_t va, paddr_t pa, uint64_t len, unsigned prot,
	   enum pt_memtype memtype);
/* Remove every mapping in [va, va+len). Returns 0, -EINVAL or -ENOMEM (a
 * large page needed splitting and no table page was available). */
int pt_unmap(struct pt *pt, uint64_t va, uint64_t len);
/* Translate one address. Returns 0 and fills the non-NULL outputs (pa of
 * va itself, not of its page), -ENOENT when unmapped, -EINVAL if va is out
 * of the format's range. */
int pt_translate(const struct pt *pt, uint64_t va, paddr_t *pa, unsigned *prot,
		 enum pt_memtype *memtype, uint64_t *page_size);
/* Free every table page, root included; pt->root becomes 0. */
void pt_destroy(struct pt *pt);

/* Call fn for every leaf in address order; stops when fn returns non-zero
 * and returns that value. */
typedef int (*pt_walk_fn)(void *arg, const struct pt_leaf *leaf);
int pt_walk(const struct pt *pt, pt_walk_fn fn, void *arg);
/* Log the mappings, merging neighbours that continue each other (same
 * rights and type, contiguous va and pa). Returns the number of lines. */
unsigned pt_dump(const struct pt *pt);

#endif
