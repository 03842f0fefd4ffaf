/* panic.h - the error taxonomy (see ../shared/style.md):
 *   panic()  - broken hypervisor invariant or unsupported hardware at boot;
 *              prints message, registers, backtrace; stops every CPU.
 *   BUG_ON() - invariant check, always compiled in.
 *   ASSERT() - debug-only check (compiled in unless NDEBUG).
 * Bad guest behaviour never panics: it stops that guest (vmm/). */
#ifndef PLINTH_PANIC_H
#define PLINTH_PANIC_H

#include <plinth/compiler.h>

__noreturn void panic(const char *fmt, ...) __printf(1, 2);

#define BUG_ON(cond) do { \
	if (unlikely(cond)) panic("BUG_ON(%s) at %s:%d", #cond, __FILE__, __LINE__); \
} while (0)

#ifdef NDEBUG
#define ASSERT(cond) do { (void)sizeof(cond); } while (0)
#else
#define ASSERT(cond) do { \
	if (unlikely(!(cond))) panic("ASSERT(%s) failed at %s:%d", #cond, __FILE__, __LINE__); \
} while (0)
#endif

#endif
