/* backtrace.c - register dumps and symbolised backtraces for exception
 * reports and panics. Runs on broken machines: it reads memory only after
 * checking the current page tables map it, and prints without locks. */
#include <plinth/ksyms.h>
#include <plinth/mm.h>
#include <plinth/uart.h>
#include <x86/cpu.h>
#include <x86/gdt.h>
#include <x86/irq.h>
#include <x86/percpu.h>
#include <x86/traps.h>
#include <x86/unwind.h>

#define BACKTRACE_MAX     32
#define KSTACK_MAX_SIZE   (64 * KiB)   /* no kernel stack is larger */
#define PTE_PRESENT       BIT(0)
#define PTE_LARGE         BIT(7)       /* PS: 1 GiB (PDPTE) or 2 MiB (PDE) page */
#define PTE_ADDR_MASK     0x000FFFFFFFFFF000ULL
#define CR4_LA57          BIT(12)

extern char boot_stack_bottom[], boot_stack_top[];   /* boot/entry.S */

/* True if va is mapped in the active 4-level page tables (Intel SDM vol. 3
 * §4.5, Figure 4-8). The tables are read through the direct map, which
 * covers them both on the boot tables and after paging_init. With 5-level
 * paging (not used by plinth) nothing is trusted. */
bool va_mapped(uint64_t va)
{
	if (!va_is_canonical(va) || (read_cr4() & CR4_LA57))
		return false;
	uint64_t table = read_cr3() & PTE_ADDR_MASK;
	for (int level = 3; level >= 0; level--) {
		const uint64_t *t = phys_to_virt(table);
		uint64_t e = t[(va >> (12 + 9 * level)) & 511];
		if (!(e & PTE_PRESENT))
			return false;
		if (level == 0 || ((level == 1 || level == 2) && (e & PTE_LARGE)))
			return true;
		table = e & PTE_ADDR_MASK;
	}
	return false;
}

static bool range_mapped(uint64_t va, uint64_t len, void *ctx)
{
	(void)ctx;
	return va_mapped(va) && va_mapped(va + len - 1);
}

static bool frame_readable(uint64_t addr, void *ctx)
{
	return range_mapped(addr, 16, ctx);
}

/* The bounds of the stack holding rbp: this CPU's IST stacks, its kernel
 * stack, the boot stack; or, for a stack we do not know, a window above rbp
 * (the page-table check still keeps the walk from faulting). */
static void stack_bounds(uint64_t rbp, uint64_t *lo, uint64_t *hi)
{
	struct percpu *pc = this_cpu_checked();
	if (pc) {
		for (unsigned i = 0; i < IST_COUNT; i++) {
			uint64_t top = (uint64_t)(uintptr_t)pc->ist_top[i];
			if (top && rbp < top && rbp >= top - IST_STACK_SIZE) {
				*lo = top - IST_STACK_SIZE;
				*hi = top;
				return;
			}
		}
		uint64_t top = (uint64_t)(uintptr_t)pc->stack_top;
		if (top && rbp < top && rbp >= top - KSTACK_MAX_SIZE) {
			*lo = top - KSTACK_MAX_SIZE;
			*hi = top;
			return;
		}
	}
	uint64_t bottom = (uint64_t)(uintptr_t)boot_stack_bottom;
	uint64_t top = (uint64_t)(uintptr_t)boot_stack_top;
	if (rbp >= bottom && rbp < top) {
		*lo = bottom;
		*hi = top;
		return;
	}
	*lo = rbp;
	*hi = rbp > UINT64_MAX - KSTACK_MAX_SIZE ? UINT64_MAX : rbp + KSTACK_MAX_SIZE;
}

/* One line: index, address, function+offset. A return address is looked
 * up one byte earlier: the call may be the last instruction of a function
 * that never returns, making the return address the next function's. */
static void print_address(unsigned i, uint64_t addr, bool is_return)
{
	uint64_t off = 0;
	const char *sym = ksym_lookup(is_return ? addr - 1 : addr, &off);
	if (sym)
		panic_printf("  [%2u] %016llx %s+0x%llx\n", i, (unsigned long long)addr, sym,
			     (unsigned long long)(off + (is_return ? 1 : 0)));
	else
		panic_printf("  [%2u] %016llx ?\n", i, (unsigned long long)addr);
}

void dump_backtrace_at(uint64_t rbp, uint64_t rip, uint64_t rsp)
{
	uint64_t addrs[BACKTRACE_MAX];
	struct unwind_result res;
	uint64_t lo, hi;

	panic_printf("Backtrace:\n");
	print_address(0, rip, false);
	stack_bounds(rbp, &lo, &hi);
	unwind_frames(rbp, lo, hi, frame_readable, NULL, addrs, BACKTRACE_MAX, &res);

	/* A leaf function may run without a frame of its own; then its
	 * caller is missing from the chain, but the return address into that
	 * caller is the word at RSP. Shown as a guess, marked "?". */
	if (rsp && IS_ALIGNED(rsp, 8) && range_mapped(rsp, 8, NULL)) {
		uint64_t word = *(const uint64_t *)(uintptr_t)rsp;
		uint64_t off = 0;
		const char *sym = ksym_lookup(word - 1, &off);
		if (sym && (res.count == 0 || word != addrs[0]))
			panic_printf("  [ ?] %016llx %s+0x%llx (the word at RSP: the caller, if "
				     "the function at [0] has no frame)\n", (unsigned long long)word,
				     sym, (unsigned long long)(off + 1));
	}

	/* Deep recursion (the usual stack overflow) repeats one address:
	 * print it once with a count. */
	for (unsigned i = 0; i < res.count; i++) {
		unsigned same = 0;
		while (i + same + 1 < res.count && addrs[i + same + 1] == addrs[i])
			same++;
		print_address(i + 1, addrs[i], true);
		if (same) {
			panic_printf("       ... repeated %u more times\n", same);
			i += same;
		}
	}
	if (res.stop == UNWIND_DEPTH)
		panic_printf("  (backtrace cut after %u frames)\n", BACKTRACE_MAX);
	else if (res.stop != UNWIND_END)
		panic_printf("  (backtrace stopped: %s at 0x%llx)\n", unwind_stop_reason(res.stop),
			     (unsigned long long)res.bad_frame);
}

void dump_backtrace(uint64_t rbp, uint64_t rip)
{
	dump_backtrace_at(rbp, rip, 0);
}

void dump_frame(const struct irq_frame *frame)
{
	static char buf[1024];   /* one CPU reports at a time (panic_enter) */
	size_t n = format_regs(buf, sizeof(buf), frame);
	uart_write_panic(buf, n);
	panic_printf("CR0: %016llx  CR2: %016llx  CR3: %016llx  CR4: %016llx\n",
		     (unsigned long long)read_cr0(), (unsigned long long)read_cr2(),
		     (unsigned long long)read_cr3(), (unsigned long long)read_cr4());
}

/* The bytes at rip, if mapped: tells #UD and #GP reports which instruction. */
void dump_code_bytes(uint64_t rip)
{
	if (!range_mapped(rip, 16, NULL)) {
		panic_printf("Code: (RIP not mapped)\n");
		return;
	}
	const uint8_t *p = (const uint8_t *)(uintptr_t)rip;
	panic_printf("Code: %02x %02x %02x %02x %02x %02x %02x %02x %02x %02x %02x %02x %02x "
		     "%02x %02x %02x\n", p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8],
		     p[9], p[10], p[11], p[12], p[13], p[14], p[15]);
}
