/* pgtable.c - the 4-level page-table engine and its entry formats (pure).
 *
 * Two encoding families serve every format:
 *  - x86 paging entries (Intel SDM vol. 3 §4.5, Tables 4-15..4-20): P(0),
 *    R/W(1), U/S(2), PWT(3), PCD(4), A(5), D(6), PS(7, non-PTE) / PAT(7,
 *    PTE), G(8), PAT(12, large leaves), XD/NX(63), address bits 12..51.
 *    Used by the host format, and by NPT (AMD APM vol. 2 §15.25.5: nested
 *    walks are user accesses, so U/S is set at every level).
 *  - EPT entries (Intel SDM vol. 3 §29.3.2, Tables 29-1..29-6): R(0), W(1),
 *    X(2), memory type (3..5, leaves only), ignore PAT (6, leaves only),
 *    large page (7, PDE/PDPTE), address bits 12..51. An EPT entry is present
 *    when any of bits 0..2 is set; bits 3..7 of non-leaf entries are reserved.
 * The engine above them only knows levels, spans and the descriptor's
 * encode/decode functions.
 */
#include <plinth/log.h>
#include <plinth/pgtable.h>
#include <plinth/string.h>

#define PAGE_SIZE_4K   4096ULL
#define ADDR_MASK      0x000FFFFFFFFFF000ULL   /* bits 12..51 */

#define X86_P          BIT(0)
#define X86_RW         BIT(1)
#define X86_US         BIT(2)
#define X86_PWT        BIT(3)
#define X86_PCD        BIT(4)
#define X86_PS         BIT(7)
#define X86_PAT_4K     BIT(7)
#define X86_G          BIT(8)
#define X86_PAT_LARGE  BIT(12)
#define X86_NX         BIT(63)

#define EPT_R          BIT(0)
#define EPT_W          BIT(1)
#define EPT_X          BIT(2)
#define EPT_RWX        (EPT_R | EPT_W | EPT_X)
#define EPT_MT_SHIFT   3
#define EPT_MT_MASK    (7ULL << EPT_MT_SHIFT)
#define EPT_IPAT       BIT(6)
#define EPT_LARGE      BIT(7)

struct pt_format {
	const char *name;
	bool ept;                  /* EPT encoding family, else x86 paging */
	bool gpa_space;            /* addresses are guest-physical (< 2^48), else canonical */
	uint64_t table_bits;       /* rights of non-leaf entries: never restrictive */
	uint64_t leaf_always;      /* bits set in every leaf (NPT: U/S) */
	unsigned prot_allowed;     /* PT_* flags this format can express */
	const uint8_t *pat;        /* x86: the memory type at each PAT index */
};

/* The PAT layout behind PT_HOST_PAT_VALUE (see pgtable.h). */
static const uint8_t host_pat[8] = {
	PT_MEM_WB, PT_MEM_WT, PT_MEM_UC_MINUS, PT_MEM_UC,
	PT_MEM_WC, PT_MEM_WP, PT_MEM_UC_MINUS, PT_MEM_UC,
};

const struct pt_format pt_format_host = {
	.name = "host",
	.table_bits = X86_P | X86_RW | X86_US,   /* leaves decide (SDM §4.6.1) */
	.prot_allowed = PT_R | PT_W | PT_X | PT_U | PT_G,
	.pat = host_pat,
};

/* NPT walks use the host PAT (AMD APM vol. 2 §15.25.8). */
const struct pt_format pt_format_npt = {
	.name = "npt",
	.gpa_space = true,
	.table_bits = X86_P | X86_RW | X86_US,
	.leaf_always = X86_US,
	.prot_allowed = PT_R | PT_W | PT_X | PT_U,
	.pat = host_pat,
};

const struct pt_format pt_format_ept = {
	.name = "ept",
	.ept = true,
	.gpa_space = true,
	.table_bits = EPT_RWX,
	.prot_allowed = PT_R | PT_W | PT_X | PT_IPAT,
};

const char *pt_format_name(const struct pt_format *fmt) { return fmt->name; }

/* ---------------------------------------------------------------- entries */

static inline unsigned level_shift(unsigned level) { return 12 + 9 * (level - 1); }
static inline uint64_t level_span(unsigned level) { return 1ULL << level_shift(level); }

static bool entry_present(const struct pt_format *f, uint64_t e)
{
	return f->ept ? (e & EPT_RWX) != 0 : (e & X86_P) != 0;
}

/* A present entry at 'level' maps memory (as opposed to pointing at a table). */
static bool entry_is_leaf(const struct pt_format *f, uint64_t e, unsigned level)
{
	if (level == 1)
		return true;
	if (level > 3)
		return false;
	return (e & (f->ept ? EPT_LARGE : X86_PS)) != 0;
}

static paddr_t entry_addr(uint64_t e, unsigned level)
{
	uint64_t mask = ADDR_MASK;
	if (level > 1)
		mask &= ~(level_span(level) - 1);
	return e & mask;
}

static int pat_index(const struct pt_format *f, enum pt_memtype mt)
{
	for (int i = 0; i < 8; i++)
		if (f->pat[i] == (uint8_t)mt)
			return i;
	return -1;
}

/* Check prot/memtype against the format; 0 or -EINVAL (logged). */
static int check_attrs(const struct pt *pt, unsigned prot, enum pt_memtype mt)
{
	const struct pt_format *f = pt->fmt;
	if (prot & ~f->prot_allowed) {
		pr_err("pt(%s): rights 0x%x not expressible in this format", f->name, prot);
		return -EINVAL;
	}
	if (f->ept) {
		/* SDM §29.3.3.1: write without read is a misconfiguration;
		 * execute-only needs the CPU's support. */
		if ((prot & (PT_R | PT_W | PT_X)) == 0 || ((prot & PT_W) && !(prot & PT_R)) ||
		    (!(prot & PT_R) && !(pt->flags & PT_INIT_EPT_XONLY))) {
			pr_err("pt(ept): rights 0x%x invalid (need R, or X-only with support)", prot);
			return -EINVAL;
		}
		if (mt != PT_MEM_UC && mt != PT_MEM_WC && mt != PT_MEM_WT && mt != PT_MEM_WP &&
		    mt != PT_MEM_WB) {
			pr_err("pt(ept): memory type %d invalid in EPT", (int)mt);
			return -EINVAL;
		}
		return 0;
	}
	if (!(prot & PT_R)) {
		pr_err("pt(%s): x86 paging cannot map without read access (0x%x)", f->name, prot);
		return -EINVAL;
	}
	if (pat_index(f, mt) < 0) {
		pr_err("pt(%s): memory type %d not in the PAT layout", f->name, (int)mt);
		return -EINVAL;
	}
	return 0;
}

/* Encode a leaf at 'level' (attributes already checked). */
static uint64_t make_leaf(const struct pt *pt, unsigned level, paddr_t pa, unsigned prot,
			  enum pt_memtype mt)
{
	const struct pt_format *f = pt->fmt;
	uint64_t e = pa | f->leaf_always;
	if (f->ept) {
		e |= (prot & PT_R ? EPT_R : 0) | (prot & PT_W ? EPT_W : 0) | (prot & PT_X ? EPT_X : 0);
		e |= ((uint64_t)mt << EPT_MT_SHIFT) | (prot & PT_IPAT ? EPT_IPAT : 0);
		if (level > 1)
			e |= EPT_LARGE;
		return e;
	}
	int idx = pat_index(f, mt);
	e |= X86_P | (prot & PT_W ? X86_RW : 0) | (prot & PT_U ? X86_US : 0) | (prot & PT_G ? X86_G : 0);
	if (!(prot & PT_X) && !(pt->flags & PT_INIT_NO_NX))
		e |= X86_NX;
	/* PAT index = PAT:PCD:PWT (SDM §12.12.3) */
	e |= (idx & 1 ? X86_PWT : 0) | (idx & 2 ? X86_PCD : 0);
	if (idx & 4)
		e |= level == 1 ? X86_PAT_4K : X86_PAT_LARGE;
	if (level > 1)
		e |= X86_PS;
	return e;
}

static void decode_leaf(const struct pt *pt, uint64_t e, unsigned level, unsigned *prot,
			enum pt_memtype *mt)
{
	const struct pt_format *f = pt->fmt;
	if (f->ept) {
		*prot = (e & EPT_R ? PT_R : 0) | (e & EPT_W ? PT_W : 0) | (e & EPT_X ? PT_X : 0) |
			(e & EPT_IPAT ? PT_IPAT : 0);
		*mt = (enum pt_memtype)((e & EPT_MT_MASK) >> EPT_MT_SHIFT);
		return;
	}
	*prot = PT_R | (e & X86_RW ? PT_W : 0) | (e & X86_NX ? 0 : PT_X) | (e & X86_US ? PT_U : 0) |
		(e & X86_G ? PT_G : 0);
	unsigned idx = (e & X86_PWT ? 1u : 0u) | (e & X86_PCD ? 2u : 0u) |
		       (e & (level == 1 ? X86_PAT_4K : X86_PAT_LARGE) ? 4u : 0u);
	*mt = (enum pt_memtype)f->pat[idx];
}

/* ---------------------------------------------------------------- tables */

static inline uint64_t *table_va(const struct pt *pt, paddr_t pa)
{
	return pt->ops->phys_to_virt(pt->ctx, pa);
}

/* Entries are written with one 64-bit store: the tables may be live. */
static inline void set_entry(uint64_t *t, unsigned i, uint64_t e)
{
	WRITE_ONCE(t[i], e);
}

/* A zeroed table page (zero = not present in every format), or 0. */
static paddr_t table_alloc(struct pt *pt)
{
	paddr_t pa = pt->ops->alloc_page(pt->ctx);
	if (!pa)
		return 0;
	memset(table_va(pt, pa), 0, PAGE_SIZE_4K);
	pt->table_pages++;
	return pa;
}

static void table_free_tree(struct pt *pt, paddr_t table, unsigned level)
{
	uint64_t *t = table_va(pt, table);
	if (level > 1)
		for (unsigned i = 0; i < PT_ENTRIES; i++)
			if (entry_present(pt->fmt, t[i]) && !entry_is_leaf(pt->fmt, t[i], level))
				table_free_tree(pt, entry_addr(t[i], 1), level - 1);
	pt->ops->free_page(pt->ctx, table);
	pt->table_pages--;
}

static bool table_empty(const struct pt *pt, paddr_t table)
{
	const uint64_t *t = table_va(pt, table);
	for (unsigned i = 0; i < PT_ENTRIES; i++)
		if (entry_present(pt->fmt, t[i]))
			return false;
	return true;
}

/* Build a table of level-1 leaves equal to the large leaf e at 'level'.
 * Filled completely before the caller links it (SDM §4.10.4: no entry is
 * ever seen half-built). Returns its address or 0. */
static paddr_t split_leaf(struct pt *pt, uint64_t e, unsigned level)
{
	paddr_t child = table_alloc(pt);
	if (!child)
		return 0;
	unsigned prot;
	enum pt_memtype mt;
	decode_leaf(pt, e, level, &prot, &mt);
	paddr_t base = entry_addr(e, level);
	uint64_t *t = table_va(pt, child);
	for (unsigned i = 0; i < PT_ENTRIES; i++)
		t[i] = make_leaf(pt, level - 1, base + (uint64_t)i * level_span(level - 1), prot, mt);
	return child;
}

static inline bool leaf_allowed(const struct pt *pt, unsigned level)
{
	if (level == 1)
		return true;
	if (level == 2)
		return !(pt->flags & PT_INIT_NO_2M);
	return level == 3 && (pt->flags & PT_INIT_1G);
}

static int map_level(struct pt *pt, paddr_t table, unsigned level, uint64_t va, paddr_t pa,
		     uint64_t len, unsigned prot, enum pt_memtype mt)
{
	uint64_t *t = table_va(pt, table);
	uint64_t span = level_span(level);
	while (len) {
		unsigned i = (unsigned)(va >> level_shift(level)) & (PT_ENTRIES - 1);
		uint64_t chunk = MIN(len, span - (va & (span - 1)));
		uint64_t old = t[i];
		if (leaf_allowed(pt, level) && chunk == span && (pa & (span - 1)) == 0) {
			set_entry(t, i, make_leaf(pt, level, pa, prot, mt));
			if (level > 1 && entry_present(pt->fmt, old) && !entry_is_leaf(pt->fmt, old, level))
				table_free_tree(pt, entry_addr(old, 1), level - 1);
		} else {
			paddr_t child;
			if (!entry_present(pt->fmt, old)) {
				child = table_alloc(pt);
				if (!child)
					return -ENOMEM;
				set_entry(t, i, child | pt->fmt->table_bits);
			} else if (entry_is_leaf(pt->fmt, old, level)) {
				child = split_leaf(pt, old, level);
				if (!child)
					return -ENOMEM;
				set_entry(t, i, child | pt->fmt->table_bits);
			} else {
				child = entry_addr(old, 1);
			}
			int rc = map_level(pt, child, level - 1, va, pa, chunk, prot, mt);
			if (rc)
				return rc;
		}
		va += chunk;
		pa += chunk;
		len -= chunk;
	}
	return 0;
}

static int unmap_level(struct pt *pt, paddr_t table, unsigned level, uint64_t va, uint64_t len)
{
	uint64_t *t = table_va(pt, table);
	uint64_t span = level_span(level);
	while (len) {
		unsigned i = (unsigned)(va >> level_shift(level)) & (PT_ENTRIES - 1);
		uint64_t chunk = MIN(len, span - (va & (span - 1)));
		uint64_t e = t[i];
		if (entry_present(pt->fmt, e)) {
			paddr_t child = 0;
			if (entry_is_leaf(pt->fmt, e, level)) {
				if (chunk == span) {
					set_entry(t, i, 0);
				} else {
					child = split_leaf(pt, e, level);
					if (!child)
						return -ENOMEM;
					set_entry(t, i, child | pt->fmt->table_bits);
				}
			} else {
				child = entry_addr(e, 1);
			}
			if (child) {
				int rc = unmap_level(pt, child, level - 1, va, chunk);
				if (rc)
					return rc;
				if (table_empty(pt, child)) {
					set_entry(t, i, 0);
					pt->ops->free_page(pt->ctx, child);
					pt->table_pages--;
				}
			}
		}
		va += chunk;
		len -= chunk;
	}
	return 0;
}

/* ---------------------------------------------------------------- API */

/* Validate an address range for this format; 0 or -EINVAL (logged). */
static int check_range(const struct pt *pt, const char *what, uint64_t va, uint64_t len)
{
	if (!pt->root) {
		pr_err("pt(%s): %s on a destroyed or uninitialised table", pt->fmt->name, what);
		return -EINVAL;
	}
	if (len == 0 || !IS_ALIGNED(va, PAGE_SIZE_4K) || !IS_ALIGNED(len, PAGE_SIZE_4K) ||
	    len - 1 > UINT64_MAX - va) {
		pr_err("pt(%s): %s 0x%llx+0x%llx: unaligned, empty or wrapping", pt->fmt->name, what,
		       (unsigned long long)va, (unsigned long long)len);
		return -EINVAL;
	}
	uint64_t last = va + (len - 1);
	if (pt->fmt->gpa_space) {
		if (last >> PT_VA_BITS) {
			pr_err("pt(%s): %s 0x%llx+0x%llx: beyond the 48-bit guest-physical space",
			       pt->fmt->name, what, (unsigned long long)va, (unsigned long long)len);
			return -EINVAL;
		}
		return 0;
	}
	/* Canonical: bits 63..47 equal (SDM vol. 1 §3.3.7.1); both ends in one half. */
	int64_t sva = (int64_t)(va << 16) >> 16, slast = (int64_t)(last << 16) >> 16;
	if ((uint64_t)sva != va || (uint64_t)slast != last || (va >> 47) != (last >> 47)) {
		pr_err("pt(%s): %s 0x%llx+0x%llx: not canonical", pt->fmt->name, what,
		       (unsigned long long)va, (unsigned long long)len);
		return -EINVAL;
	}
	return 0;
}

int pt_init(struct pt *pt, const struct pt_format *fmt, const struct pt_ops *ops, void *ctx,
	    unsigned flags)
{
	memset(pt, 0, sizeof(*pt));
	if (!fmt || !ops || !ops->alloc_page || !ops->free_page || !ops->phys_to_virt ||
	    (flags & ~(PT_INIT_1G | PT_INIT_NO_2M | PT_INIT_NO_NX | PT_INIT_EPT_XONLY)) ||
	    ((flags & PT_INIT_1G) && (flags & PT_INIT_NO_2M))) {
		pr_err("pt: bad format, ops or flags 0x%x", flags);
		return -EINVAL;
	}
	pt->fmt = fmt;
	pt->ops = ops;
	pt->ctx = ctx;
	pt->flags = flags;
	pt->root = table_alloc(pt);
	if (!pt->root) {
		pr_err("pt(%s): no memory for the root table", fmt->name);
		return -ENOMEM;
	}
	return 0;
}

int pt_map(struct pt *pt, uint64_t va, paddr_t pa, uint64_t len, unsigned prot,
	   enum pt_memtype memtype)
{
	int rc = check_range(pt, "map", va, len);
	if (rc)
		return rc;
	if (!IS_ALIGNED(pa, PAGE_SIZE_4K) || pa >= PT_PA_LIMIT || len > PT_PA_LIMIT - pa) {
		pr_err("pt(%s): map to 0x%llx+0x%llx: unaligned or beyond 2^52", pt->fmt->name,
		       (unsigned long long)pa, (unsigned long long)len);
		return -EINVAL;
	}
	rc = check_attrs(pt, prot, memtype);
	if (rc)
		return rc;
	return map_level(pt, pt->root, PT_LEVELS, va, pa, len, prot, memtype);
}

int pt_unmap(struct pt *pt, uint64_t va, uint64_t len)
{
	int rc = check_range(pt, "unmap", va, len);
	if (rc)
		return rc;
	return unmap_level(pt, pt->root, PT_LEVELS, va, len);
}

int pt_translate(const struct pt *pt, uint64_t va, paddr_t *pa, unsigned *prot,
		 enum pt_memtype *memtype, uint64_t *page_size)
{
	int rc = check_range(pt, "translate", ALIGN_DOWN(va, PAGE_SIZE_4K), PAGE_SIZE_4K);
	if (rc)
		return rc;
	paddr_t table = pt->root;
	for (unsigned level = PT_LEVELS; level >= 1; level--) {
		const uint64_t *t = table_va(pt, table);
		uint64_t e = t[(va >> level_shift(level)) & (PT_ENTRIES - 1)];
		if (!entry_present(pt->fmt, e))
			return -ENOENT;
		if (entry_is_leaf(pt->fmt, e, level)) {
			unsigned p;
			enum pt_memtype mt;
			decode_leaf(pt, e, level, &p, &mt);
			if (pa)
				*pa = entry_addr(e, level) + (va & (level_span(level) - 1));
			if (prot)
				*prot = p;
			if (memtype)
				*memtype = mt;
			if (page_size)
				*page_size = level_span(level);
			return 0;
		}
		table = entry_addr(e, 1);
	}
	return -ENOENT;   /* not reached: level 1 entries are leaves */
}

void pt_destroy(struct pt *pt)
{
	if (pt->root)
		table_free_tree(pt, pt->root, PT_LEVELS);
	pt->root = 0;
}

static int walk_level(const struct pt *pt, paddr_t table, unsigned level, uint64_t prefix,
		      pt_walk_fn fn, void *arg)
{
	const uint64_t *t = table_va(pt, table);
	for (unsigned i = 0; i < PT_ENTRIES; i++) {
		uint64_t e = t[i];
		if (!entry_present(pt->fmt, e))
			continue;
		uint64_t va = prefix | ((uint64_t)i << level_shift(level));
		int rc;
		if (entry_is_leaf(pt->fmt, e, level)) {
			struct pt_leaf leaf = {
				.va = pt->fmt->gpa_space ? va : (uint64_t)((int64_t)(va << 16) >> 16),
				.pa = entry_addr(e, level),
				.size = level_span(level),
				.level = level,
				.entry = e,
			};
			decode_leaf(pt, e, level, &leaf.prot, &leaf.memtype);
			rc = fn(arg, &leaf);
		} else {
			rc = walk_level(pt, entry_addr(e, 1), level - 1, va, fn, arg);
		}
		if (rc)
			return rc;
	}
	return 0;
}

int pt_walk(const struct pt *pt, pt_walk_fn fn, void *arg)
{
	if (!pt->root)
		return 0;
	return walk_level(pt, pt->root, PT_LEVELS, 0, fn, arg);
}

struct dump_state {
	bool open;
	struct pt_leaf run;        /* the range being merged: size grows */
	unsigned lines;
};

static const char *memtype_name(enum pt_memtype mt)
{
	switch (mt) {
	case PT_MEM_UC: return "UC";
	case PT_MEM_WC: return "WC";
	case PT_MEM_WT: return "WT";
	case PT_MEM_WP: return "WP";
	case PT_MEM_WB: return "WB";
	case PT_MEM_UC_MINUS: return "UC-";
	}
	return "??";
}

static void dump_flush(struct dump_state *s)
{
	if (!s->open)
		return;
	unsigned p = s->run.prot;
	pr_info("  %016llx-%016llx -> %013llx %c%c%c%c%c%s %s",
		(unsigned long long)s->run.va, (unsigned long long)(s->run.va + s->run.size - 1),
		(unsigned long long)s->run.pa, p & PT_R ? 'R' : '-', p & PT_W ? 'W' : '-',
		p & PT_X ? 'X' : '-', p & PT_U ? 'U' : '-', p & PT_G ? 'G' : '-',
		p & PT_IPAT ? " ipat" : "", memtype_name(s->run.memtype));
	s->lines++;
	s->open = false;
}

static int dump_leaf(void *arg, const struct pt_leaf *leaf)
{
	struct dump_state *s = arg;
	if (s->open && s->run.va + s->run.size == leaf->va && s->run.pa + s->run.size == leaf->pa &&
	    s->run.prot == leaf->prot && s->run.memtype == leaf->memtype) {
		s->run.size += leaf->size;
		return 0;
	}
	dump_flush(s);
	s->run = *leaf;
	s->open = true;
	return 0;
}

unsigned pt_dump(const struct pt *pt)
{
	struct dump_state s = { 0 };
	pr_info("page tables (%s) root 0x%llx, %llu table pages:", pt->fmt->name,
		(unsigned long long)pt->root, (unsigned long long)pt->table_pages);
	pt_walk(pt, dump_leaf, &s);
	dump_flush(&s);
	return s.lines;
}
