/* panic.c - stop the machine on a broken invariant, saying as much as can
 * be said: one CPU wins the panic, NMIs the others to a halt, prints the
 * message, its registers and a backtrace, ends an emulator (so tests never
 * hang) and halts. Output goes to the UART without locks: the CPU that held
 * the log or UART lock may be one that was just stopped. */
#include <plinth/panic.h>
#include <plinth/log.h>
#include <plinth/printf.h>
#include <plinth/time.h>
#include <plinth/uart.h>
#include <x86/arch.h>
#include <x86/cpu.h>
#include <x86/irq.h>
#include <x86/lapic.h>
#include <x86/percpu.h>
#include <x86/traps.h>

#define NO_OWNER (-1)
#define STOP_WAIT_US 100000   /* how long to wait for other CPUs to stop */

static int panic_owner = NO_OWNER;   /* cpu id of the panicking CPU */
static unsigned panic_depth;         /* re-entries on the owner (faults while reporting) */
static bool stopped[MAX_CPUS];       /* set by each CPU as it stops */
static char panic_buf[1024];         /* only the owner formats into it */

void cpu_halt_forever(void)
{
	for (;;) {
		irq_disable();
		halt();
	}
}

void panic_printf(const char *fmt, ...)
{
	/* Owner-only in practice; a second CPU printing an NMI notice uses its
	 * own stack buffer so the two never share memory. */
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	int n = kvsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0) {
		size_t len = MIN((size_t)n, sizeof(buf) - 1);
		uart_write_panic(buf, len);
		log_store_panic(buf, len);
	}
}

/* Long text (register dumps) written as-is. */
static void panic_puts(const char *s, size_t len)
{
	uart_write_panic(s, len);
	log_store_panic(s, len);
}

bool panic_in_progress(void)
{
	return __atomic_load_n(&panic_owner, __ATOMIC_ACQUIRE) != NO_OWNER;
}

bool panic_owned_by_this_cpu(void)
{
	return __atomic_load_n(&panic_owner, __ATOMIC_ACQUIRE) == (int)this_cpu_id_checked();
}

void panic_stop_this_cpu(void)
{
	irq_disable();
	unsigned me = this_cpu_id_checked();
	if (me < MAX_CPUS)
		__atomic_store_n(&stopped[me], true, __ATOMIC_RELEASE);
	cpu_halt_forever();
}

/* Stop every other online CPU with an NMI (Intel SDM vol. 3 §11.6.1: NMI
 * delivery, "all excluding self" shorthand): their NMI handler sees the
 * panic and halts. NMI rather than a fixed vector because a CPU spinning
 * with interrupts disabled (the likely cause of many panics) still takes
 * it. With one CPU online there is nobody to stop, and before lapic_init
 * no IPI can be sent. */
static void stop_other_cpus(unsigned me)
{
	unsigned others = 0;
	for (unsigned i = 0; i < MAX_CPUS; i++) {
		struct percpu *pc = percpu_of(i);
		if (pc && i != me && READ_ONCE(pc->online))
			others++;
	}
	if (others == 0 || !lapic_ready())
		return;
	lapic_send_nmi_all_but_self();
	for (unsigned waited = 0; waited < STOP_WAIT_US; waited += 100) {
		unsigned n = 0;
		for (unsigned i = 0; i < MAX_CPUS; i++)
			n += (i != me && __atomic_load_n(&stopped[i], __ATOMIC_ACQUIRE)) ? 1 : 0;
		if (n >= others)
			return;
		udelay(100);
	}
	panic_printf("panic: not every other CPU confirmed it stopped\n");
}

void panic_enter(const char *what)
{
	irq_disable();
	int me = (int)this_cpu_id_checked();
	int expected = NO_OWNER;
	if (!__atomic_compare_exchange_n(&panic_owner, &expected, me, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		if (expected != me)
			panic_stop_this_cpu();   /* another CPU reports; it will NMI us */
		/* The report itself failed. Say so once (a fault in the printing
		 * would otherwise recurse) and end. */
		if (__atomic_add_fetch(&panic_depth, 1, __ATOMIC_RELAXED) == 1)
			panic_printf("\n*** %s while panicking on CPU %d; stopping\n", what, me);
		panic_finish();
	}
	stop_other_cpus((unsigned)me);
}

void panic_finish(void)
{
	emu_exit(3);   /* QEMU exits with status 7, Bochs ends */
	cpu_halt_forever();
}

/* The registers at the call, for the report. The values of caller-saved
 * registers are whatever the compiler left in them; RIP, RSP and RBP are
 * exact and are what the backtrace starts from. */
static __attribute__((noinline)) void capture_regs(struct irq_frame *f)
{
	__asm__ __volatile__(
		"movq %%r15, 0(%0)\n\t"
		"movq %%r14, 8(%0)\n\t"
		"movq %%r13, 16(%0)\n\t"
		"movq %%r12, 24(%0)\n\t"
		"movq %%r11, 32(%0)\n\t"
		"movq %%r10, 40(%0)\n\t"
		"movq %%r9, 48(%0)\n\t"
		"movq %%r8, 56(%0)\n\t"
		"movq %%rdi, 72(%0)\n\t"
		"movq %%rsi, 80(%0)\n\t"
		"movq %%rdx, 88(%0)\n\t"
		"movq %%rcx, 96(%0)\n\t"
		"movq %%rbx, 104(%0)\n\t"
		"movq %%rax, 112(%0)\n\t"
		:: "r"(f) : "memory");
	/* This function's caller's frame: its RBP, RSP after our return and
	 * the address we return to. */
	const uint64_t *fp = __builtin_frame_address(0);
	f->rbp = fp[0];
	f->rip = fp[1];
	f->rsp = (uint64_t)(uintptr_t)(fp + 2);
	uint16_t cs, ss;
	__asm__ __volatile__("movw %%cs, %0; movw %%ss, %1" : "=r"(cs), "=r"(ss));
	f->cs = cs;
	f->ss = ss;
	f->rflags = read_rflags();
	f->vector = 0;
	f->error_code = 0;
}
_Static_assert(offsetof(struct irq_frame, r8) == 56 && offsetof(struct irq_frame, rdi) == 72 &&
	       offsetof(struct irq_frame, rbx) == 104 && offsetof(struct irq_frame, rax) == 112,
	       "capture_regs stores at these offsets");

void panic(const char *fmt, ...)
{
	panic_enter("panic");
	unsigned me = this_cpu_id_checked();
	va_list ap;
	va_start(ap, fmt);
	int n = kvsnprintf(panic_buf, sizeof(panic_buf), fmt, ap);
	va_end(ap);
	panic_printf("\nPANIC on CPU %u: ", me);
	if (n > 0)
		panic_puts(panic_buf, MIN((size_t)n, sizeof(panic_buf) - 1));
	panic_puts("\n", 1);

	struct irq_frame regs;
	capture_regs(&regs);
	dump_frame(&regs);
	dump_backtrace(regs.rbp, regs.rip);
	panic_finish();
}
