/* stats.c - per-VM statistics, printed when a VM stops: wall time since it
 * was first entered, time spent in the guest (TSC ticks between entry and
 * exit, summed over its vCPUs, converted with the boot-time TSC
 * calibration) and VM exits by kind (the names of vmm/exit.c), most
 * frequent first. */
#include <plinth/log.h>
#include <plinth/printf.h>
#include <plinth/time.h>
#include <plinth/vm.h>
#include <x86/cpu.h>

#define STATS_LINE_MAX 400   /* the log's line holds 512 with "vm NAME: " */

/* Append "S.mmm s" for ticks at hz (or "? s" when hz is unknown). */
static int fmt_seconds(char *buf, size_t size, uint64_t ticks, uint64_t hz)
{
	if (!hz)
		return ksnprintf(buf, size, "? s");
	return ksnprintf(buf, size, "%llu.%03llu s", (unsigned long long)(ticks / hz),
			 (unsigned long long)((ticks % hz) * 1000 / hz));
}

/* ksnprintf-style append: pos grows by what the full text would take, the
 * buffer is never overrun. */
#define APPEND(fn, ...) do {                                                  \
		size_t room_ = pos < size ? size - pos : 0;                   \
		int n_ = fn(room_ ? buf + pos : NULL, room_, __VA_ARGS__);     \
		if (n_ > 0)                                                   \
			pos += (size_t)n_;                                    \
	} while (0)

int vm_stats_format(char *buf, size_t size, uint64_t wall_tsc, uint64_t guest_tsc,
		    uint64_t hz, const uint64_t by_kind[EXIT_KIND_COUNT])
{
	bool printed[EXIT_KIND_COUNT] = { false };
	uint64_t total = 0;
	size_t pos = 0;

	if (size)
		buf[0] = 0;
	for (unsigned k = 0; k < EXIT_KIND_COUNT; k++)
		total += by_kind[k];
	APPEND(ksnprintf, "%s", "stopped after ");
	APPEND(fmt_seconds, wall_tsc, hz);
	APPEND(ksnprintf, "%s", " (guest ");
	APPEND(fmt_seconds, guest_tsc, hz);
	APPEND(ksnprintf, "), %llu exit%s", (unsigned long long)total, total == 1 ? "" : "s");
	/* Kinds by count, most frequent first; equal counts in table order. */
	for (bool first = true;; first = false) {
		int best = -1;
		for (unsigned k = 0; k < EXIT_KIND_COUNT; k++)
			if (by_kind[k] && !printed[k] && (best < 0 || by_kind[k] > by_kind[best]))
				best = (int)k;
		if (best < 0)
			break;
		printed[best] = true;
		APPEND(ksnprintf, "%s%s %llu", first ? ": " : ", ", exit_kind_name((enum exit_kind)best),
		       (unsigned long long)by_kind[best]);
	}
	return (int)pos;
}

void vm_stats_print(struct vm *vm)
{
	uint64_t by_kind[EXIT_KIND_COUNT] = { 0 };
	uint64_t end = vm->stop_tsc ? vm->stop_tsc : rdtsc();
	char line[STATS_LINE_MAX];

	/* The VM's exits: all its vCPUs together. */
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		for (unsigned k = 0; k < EXIT_KIND_COUNT; k++)
			by_kind[k] += vm->vcpus[i]->exits_by_kind[k];
	vm_stats_format(line, sizeof(line), vm->start_tsc ? end - vm->start_tsc : 0, vm->guest_tsc,
			tsc_hz(), by_kind);
	pr_info("vm %s: %s", vm->name, line);
	vm_io_stats_print(vm);
}
