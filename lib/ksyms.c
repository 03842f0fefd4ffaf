/* ksyms.c - address to symbol lookup over the table the build links in. */
#include <plinth/ksyms.h>

struct ksym {
	uint64_t addr;
	const char *name;
};

extern const uint64_t ksyms_count;
extern const struct ksym ksyms[];
extern char __text_start[], __text_end[];

const char *ksym_lookup(uint64_t addr, uint64_t *offset)
{
	if (addr < (uint64_t)(uintptr_t)__text_start || addr >= (uint64_t)(uintptr_t)__text_end)
		return NULL;
	/* Binary search for the last symbol at or below addr (table is sorted). */
	uint64_t lo = 0, hi = ksyms_count;
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		if (ksyms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	if (offset)
		*offset = addr - ksyms[lo - 1].addr;
	return ksyms[lo - 1].name;
}
