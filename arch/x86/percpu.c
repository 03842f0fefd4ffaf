/* percpu.c - the per-CPU areas: one static struct percpu per possible CPU,
 * reached through GS base (this_cpu() reads %gs:0, the area's self pointer).
 * Static so the BSP has its area before any allocator exists. */
#include <plinth/log.h>
#include <x86/cpu.h>
#include <x86/percpu.h>

static struct percpu areas[MAX_CPUS] __aligned(64);
static unsigned possible = 1;   /* the BSP; the SMP code sets the MADT's count */

/* Every area knows its own address and index from the start, so GS base can
 * be pointed at any of them without further setup. */
static void areas_init_once(void)
{
	if (areas[0].self)
		return;
	for (unsigned i = 0; i < MAX_CPUS; i++) {
		areas[i].self = &areas[i];
		areas[i].cpu_id = i;
	}
}

struct percpu *percpu_of(unsigned cpu_id)
{
	areas_init_once();
	if (cpu_id >= READ_ONCE(possible))
		return NULL;
	return &areas[cpu_id];
}

unsigned cpu_online_count(void)
{
	unsigned n = 0;
	for (unsigned i = 0; i < MAX_CPUS; i++)
		n += READ_ONCE(areas[i].online) ? 1 : 0;
	return n;
}

unsigned cpu_possible_count(void)
{
	return READ_ONCE(possible);
}

unsigned percpu_set_possible(unsigned n)
{
	if (n == 0) {
		pr_warn("percpu: 0 CPUs reported; keeping the bootstrap processor only");
		n = 1;
	}
	if (n > MAX_CPUS) {
		pr_warn("percpu: %u CPUs present but plinth supports %u; the others stay off",
			n, MAX_CPUS);
		n = MAX_CPUS;
	}
	WRITE_ONCE(possible, n);
	return n;
}

void percpu_load_gs(struct percpu *pc)
{
	areas_init_once();
	wrmsr(MSR_GS_BASE, (uint64_t)(uintptr_t)pc);
}

struct percpu *this_cpu_checked(void)
{
	uint64_t gs = rdmsr(MSR_GS_BASE);
	uint64_t first = (uint64_t)(uintptr_t)&areas[0];
	if (gs < first || gs > (uint64_t)(uintptr_t)&areas[MAX_CPUS - 1] ||
	    (gs - first) % sizeof(struct percpu) != 0)
		return NULL;
	struct percpu *pc = (struct percpu *)(uintptr_t)gs;
	return pc->self == pc ? pc : NULL;
}

unsigned this_cpu_id_checked(void)
{
	struct percpu *pc = this_cpu_checked();
	return pc ? pc->cpu_id : 0;
}
