/* loader_layout.c - the guest-physical ranges a loader has used: the
 * image's segments, the modules and the boot information must each land in
 * RAM without covering one another (a module placed over the kernel's bss
 * would be zeroed by the kernel, an information block over a module would
 * corrupt it). Pure. */
#include <plinth/log.h>
#include <plinth/string.h>
#include "loader.h"

void layout_init(struct guest_layout *l, uint64_t ram_size)
{
	memset(l, 0, sizeof(*l));
	l->ram_size = ram_size;
}

int layout_reserve(struct guest_layout *l, uint64_t base, uint64_t size, const char *what)
{
	uint64_t end = base + size;
	unsigned i;

	if (!size || end < base || end > l->ram_size) {
		pr_err("%s at 0x%llx+0x%llx lies outside guest RAM [0, 0x%llx)", what,
		       (unsigned long long)base, (unsigned long long)size,
		       (unsigned long long)l->ram_size);
		return -ERANGE;
	}
	for (i = 0; i < l->nr; i++) {
		const struct layout_range *u = &l->used[i];
		if (base < u->end && u->base < end) {
			pr_err("%s at [0x%llx, 0x%llx) overlaps %s at [0x%llx, 0x%llx)", what,
			       (unsigned long long)base, (unsigned long long)end, u->what,
			       (unsigned long long)u->base, (unsigned long long)u->end);
			return -EBUSY;
		}
	}
	if (l->nr == LAYOUT_MAX_RANGES) {
		pr_err("%s: more than %u pieces to place in guest RAM", what, LAYOUT_MAX_RANGES);
		return -ENOSPC;
	}
	/* Keep used[] sorted by base: layout_place walks the gaps in order. */
	for (i = l->nr; i > 0 && l->used[i - 1].base > base; i--)
		l->used[i] = l->used[i - 1];
	l->used[i] = (struct layout_range){ .base = base, .end = end, .what = what };
	l->nr++;
	return 0;
}

static uint64_t align_up(uint64_t v, uint64_t align, bool *overflow)
{
	uint64_t r = (v + align - 1) & ~(align - 1);
	if (r < v)
		*overflow = true;
	return r;
}

int layout_place(struct guest_layout *l, uint64_t size, uint64_t align, uint64_t lo,
		 uint64_t hi, const char *what, uint64_t *base)
{
	bool overflow = false;
	uint64_t cand;

	if (!size || !align || (align & (align - 1)))
		return -EINVAL;
	hi = MIN(hi, l->ram_size);
	cand = align_up(lo, align, &overflow);
	/* First fit: try the candidate; when a used range overlaps it, move
	 * past that range. used[] is sorted, so one pass visits each once. */
	for (unsigned i = 0; i <= l->nr && !overflow; i++) {
		if (cand + size < cand || cand + size > hi)
			break;
		if (i == l->nr || cand + size <= l->used[i].base)
			return layout_reserve(l, *base = cand, size, what);
		if (cand < l->used[i].end)
			cand = align_up(l->used[i].end, align, &overflow);
	}
	pr_err("%s: no free 0x%llx bytes in guest RAM between 0x%llx and 0x%llx", what,
	       (unsigned long long)size, (unsigned long long)lo, (unsigned long long)hi);
	return -ENOSPC;
}
