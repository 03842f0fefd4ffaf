/* traps.c - what happens on a CPU exception in the hypervisor itself. Guest
 * exceptions never come here (they are VM exits); an exception in plinth is
 * a broken invariant, so each one gets a single complete report (what, where,
 * registers, backtrace) and a panic. The NMI is the exception: it is how a
 * panicking CPU stops the others, and otherwise it is only reported. */
#include <plinth/ksyms.h>
#include <plinth/printf.h>
#include <x86/cpu.h>
#include <x86/irq.h>
#include <x86/percpu.h>
#include <x86/traps.h>

/* Machine-check MSRs (Intel SDM vol. 3 §16.3; AMD APM vol. 2 §9.3). */
#define MSR_IA32_MCG_CAP        0x179
#define MSR_IA32_MCG_STATUS     0x17A
#define MSR_IA32_MC0_STATUS     0x401   /* bank i: STATUS at 0x401 + 4i, ADDR at +1, MISC at +2 */
#define MCG_CAP_COUNT_MASK      0xFF
#define MCI_STATUS_VAL          BIT(63)
#define MCI_STATUS_UC           BIT(61)
#define MCI_STATUS_ADDRV        BIT(58)
#define MCI_STATUS_PCC          BIT(57)
#define MCG_STATUS_RIPV         BIT(0)
#define MCG_STATUS_EIPV         BIT(1)
#define MCG_STATUS_MCIP         BIT(2)
#define MC_BANKS_MAX            32
#define CPUID1_EDX_MCA_BIT      BIT(14)

static uint64_t nmi_count[MAX_CPUS];   /* per CPU: one CPU's storm does not hide another's NMI */

/* Report the valid machine-check banks, if the CPU has the MCA MSRs. */
static void report_machine_check(void)
{
	uint32_t a, b, c, d;
	cpuid(1, &a, &b, &c, &d);
	if (!(d & CPUID1_EDX_MCA_BIT)) {
		panic_printf("  no machine-check architecture: no banks to report\n");
		return;
	}
	uint64_t mcg_status = rdmsr(MSR_IA32_MCG_STATUS);
	unsigned banks = (unsigned)MIN(rdmsr(MSR_IA32_MCG_CAP) & MCG_CAP_COUNT_MASK,
				       (uint64_t)MC_BANKS_MAX);
	panic_printf("  MCG_STATUS %016llx (%s%s%s), %u banks\n", (unsigned long long)mcg_status,
		     (mcg_status & MCG_STATUS_RIPV) ? "RIPV " : "",
		     (mcg_status & MCG_STATUS_EIPV) ? "EIPV " : "",
		     (mcg_status & MCG_STATUS_MCIP) ? "MCIP" : "", banks);
	for (unsigned i = 0; i < banks; i++) {
		uint64_t status = rdmsr(MSR_IA32_MC0_STATUS + 4 * i);
		if (!(status & MCI_STATUS_VAL))
			continue;
		panic_printf("  bank %u: status %016llx%s%s", i, (unsigned long long)status,
			     (status & MCI_STATUS_UC) ? " uncorrected" : " corrected",
			     (status & MCI_STATUS_PCC) ? " context-corrupt" : "");
		if (status & MCI_STATUS_ADDRV)
			panic_printf(" addr %016llx",
				     (unsigned long long)rdmsr(MSR_IA32_MC0_STATUS + 4 * i + 1));
		panic_printf("\n");
	}
}

/* The exception-specific line(s) after the headline. */
static void report_details(const struct irq_frame *f)
{
	char why[160];
	switch (f->vector) {
	case VEC_PF:
		format_pf_error(why, sizeof(why), f->error_code);
		panic_printf("  page fault at address (CR2) %016llx: %s\n",
			     (unsigned long long)read_cr2(), why);
		break;
	case VEC_TS:
	case VEC_NP:
	case VEC_SS:
	case VEC_GP:
		format_selector_error(why, sizeof(why), f->error_code);
		panic_printf("  error code: %s\n", why);
		break;
	case VEC_DF:
		/* Usually a fault while pushing an exception frame: the stack ran
		 * into its guard page (Intel SDM vol. 3 §7.15, interrupt 8). */
		panic_printf("  double fault: an exception could not be delivered; a stack "
			     "overflow into a guard page is the usual cause (RSP %016llx)\n",
			     (unsigned long long)f->rsp);
		if (!va_mapped(f->rsp - 8))
			panic_printf("  the stack below RSP is unmapped: stack overflow\n");
		break;
	case VEC_MC:
		report_machine_check();
		break;
	default:
		break;
	}
}

/* NMI: during a panic it is the request to stop; otherwise (a watchdog,
 * a front-panel button, a hardware error on some boards) it is reported
 * and the interrupted code continues. Printed without locks: this CPU may
 * have been interrupted while holding the log lock. */
static void handle_nmi(const struct irq_frame *f)
{
	if (panic_in_progress() && !panic_owned_by_this_cpu())
		panic_stop_this_cpu();
	unsigned cpu = this_cpu_id_checked();
	uint64_t n = ++nmi_count[cpu % MAX_CPUS];   /* NMIs do not nest on one CPU */
	if ((n & (n - 1)) == 0)   /* 1, 2, 4, ...: an NMI storm cannot flood the console */
		panic_printf("NMI received on CPU %u at RIP %016llx (%llu so far on this CPU)\n",
			     cpu, (unsigned long long)f->rip, (unsigned long long)n);
}

void trap_dispatch(struct irq_frame *f)
{
	unsigned vector = (unsigned)f->vector;
	if (vector == VEC_NMI) {
		handle_nmi(f);
		return;
	}

	char what[64];
	ksnprintf(what, sizeof(what), "%s at RIP %016llx", exception_mnemonic(vector),
		  (unsigned long long)f->rip);
	panic_enter(what);

	static char line[256];   /* owner-only after panic_enter */
	uint64_t off = 0;
	const char *sym = ksym_lookup(f->rip, &off);
	unsigned cpu = this_cpu_id_checked();
	format_exception_headline(line, sizeof(line), f, cpu, sym, off);
	panic_printf("\n%s\n", line);
	report_details(f);
	dump_frame(f);
	dump_code_bytes(f->rip);
	dump_backtrace_at(f->rbp, f->rip, f->rsp);
	panic_printf("PANIC on CPU %u: unhandled %s (%s) in the hypervisor\n", cpu,
		     exception_mnemonic(vector), exception_name(vector));
	panic_finish();
}
