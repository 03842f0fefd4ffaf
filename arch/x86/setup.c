/* setup.c - the bootstrap processor's bring-up, in dependency order:
 * console and options first (so everything after can report), then CPU
 * tables, memory, ACPI, interrupt controllers and timers, the other CPUs.
 * Each step either works or says clearly why not. */
#include <plinth/acpi.h>
#include <plinth/boot_info.h>
#include <plinth/log.h>
#include <plinth/mm.h>
#include <plinth/options.h>
#include <plinth/panic.h>
#include <plinth/time.h>
#include <plinth/uart.h>
#include <plinth/version.h>
#include <plinth/virt.h>
#include <plinth/vm.h>
#include <x86/arch.h>
#include <x86/cpu.h>
#include <x86/cpu_init.h>
#include <x86/percpu.h>

#define BSP_STACK_PAGES 8

static void console_from_options(void)
{
	if (hv_opts.console_port == 0x3F8 && hv_opts.console_baud == 115200)
		return;   /* what boot_entry already set up */
	if (hv_opts.console_port == 0) {
		pr_info("console: serial console disabled by console=none");
		uart_init(0, 0);
		return;
	}
	int err = uart_init(hv_opts.console_port, hv_opts.console_baud);
	if (err) {
		/* Go back to COM1 so the rest of the boot can still be seen. */
		uart_init(0x3F8, 115200);
		pr_warn("console: no UART at port 0x%x (error %d); staying on COM1",
			hv_opts.console_port, err);
	}
}

/* uart_rx_test: wait for one line of input delivered by the receive
 * interrupt and log it. Only the interrupt handler's ring is read here,
 * never the UART, so the line arrives through IRQs or not at all. Bounded at
 * 10 s (no timer interrupt runs yet, so the wait spins rather than halts). */
static void uart_rx_selftest(void)
{
	char line[64];
	size_t n = 0;
	uint64_t irqs0 = uart_rx_irq_count();
	uint64_t deadline = time_now_ns() + 10ULL * 1000000000ULL;
	pr_info("uart_rx_test: waiting for a line on the serial console (IRQ %u)", uart_irq_line());
	while (time_now_ns() < deadline) {
		int c = uart_ring_getc();
		if (c < 0) {
			udelay(1000);
			continue;
		}
		if (c == '\r' || c == '\n')
			break;
		if (n < sizeof(line) - 1)
			line[n++] = (c >= 0x20 && c < 0x7F) ? (char)c : '?';
	}
	line[n] = 0;
	if (uart_rx_irq_count() == irqs0)
		pr_warn("uart_rx_test: no receive interrupt arrived within 10 s");
	else
		pr_info("uart_rx_test: received \"%s\" (%zu bytes) through %llu interrupts", line, n,
			(unsigned long long)(uart_rx_irq_count() - irqs0));
}

static __noreturn void kernel_main_late(void *arg)
{
	struct boot_info *bi = arg;

	cpu_features_init();
	acpi_init(bi);
	lapic_init();
	time_calibrate();
	ioapic_init();
	irq_route_isa(uart_irq_line(), uart_irq_handler);
	uart_enable_rx_irq();
	irq_enable();
	virt_detect();
	virt_cpu_enable();
	smp_boot_aps();

	pr_info("boot complete: %u of %u CPUs online, %llu MiB free of %llu MiB",
		cpu_online_count(), cpu_possible_count(),
		(unsigned long long)(pmm_free_pages() * PAGE_SIZE / MiB),
		(unsigned long long)(pmm_total_pages() * PAGE_SIZE / MiB));

	if (virt.vendor != VIRT_NONE)
		pr_info("virt: %s enabled on %u of %u CPUs",
			virt.vendor == VIRT_VMX ? "VMX root operation" : "SVM",
			virt_cpus_enabled(), cpu_online_count());
	vmm_start(bi);
	if (hv_opts.uart_rx_test)
		uart_rx_selftest();
	if (hv_opts.panic_test)
		panic("panic_test: deliberate panic requested on the command line");
	if (hv_opts.test_exit) {
		pr_info("test_exit: boot test done, powering off");
		acpi_poweroff();
		pr_warn("test_exit: ACPI power-off did not stop the machine; ending the emulator");
		emu_exit(0);
		pr_err("test_exit: power-off failed");
	}
	/* Run VMs created later (the console domain's vmctl_create). */
	vmm_cpu_loop();
}

void kernel_main(struct boot_info *bi)
{
	options_parse(bi->cmdline);
	log_set_level((enum log_level)hv_opts.loglevel);
	console_from_options();
	pr_info("plinth %s: a type-1 hypervisor for x86-64", PLINTH_VERSION);
	boot_info_print(bi);

	cpu_init_bsp();
	pmm_init(bi);
	paging_init(bi);
	heap_init();
	cpu_ist_stacks_reinit_bsp();   /* NMI/#DF/#MC stacks with guard pages */

	/* Leave the boot stack (no guard page) for one with a guard below it. */
	void *stack = kstack_alloc(BSP_STACK_PAGES);
	if (!stack)
		panic("setup: cannot allocate the BSP stack");
	this_cpu()->stack_top = stack;
	stack_switch_call(stack, kernel_main_late, bi);
}
