/* console_domain.c - the console domain: plinth's own administration VM
 * (the image console/, carried in plinth.elf by vmm/console_blob.S), the
 * only VM that gets the physical serial port and the privileged hypercalls.
 *
 * Hand-over: the VM's vCPU passes the UART's eight ports straight through
 * (vcpu_ops.set_io_passthrough: I/O bitmap / IOPM bits cleared), plinth's
 * UART driver stops writing (uart_set_owned_by_guest: after that plinth
 * writes only for panics, and again whenever no console domain runs), and
 * the physical IRQ is forwarded: the host handler pulses IRQ 4 of the
 * domain's virtual PIC and kicks its vCPU.
 *
 * Resilience: when the domain stops for any reason (fault, triple fault,
 * a bug), plinth takes the port back, logs why and starts a fresh domain
 * from the image; the other VMs are not touched. A domain that keeps dying
 * at once is given up after RESTART_BURST restarts within RESTART_WINDOW. */
#include <plinth/console_domain.h>
#include <plinth/log.h>
#include <plinth/mm.h>
#include <plinth/options.h>
#include <plinth/string.h>
#include <plinth/time.h>
#include <plinth/uart.h>
#include <plinth/vm.h>
#include <plinth/vmcfg.h>
#include <plinth/vmctl.h>
#include "loader.h"
#include "platform.h"
#include "vmctl_internal.h"

#define CONSOLE_VM_NAME    "console"
#define CONSOLE_RAM        (16 * MiB)
#define CONSOLE_WEIGHT     512          /* twice a default VM: the shell stays responsive */
#define CONSOLE_CMDLINE    "console"
#define INFO_GPA_MIN       0x1000u      /* page 0 stays free */
#define RESTART_BURST      5
#define RESTART_WINDOW_NS  (10ULL * 1000000000ULL)

extern const uint8_t console_image_start[], console_image_end[];

static struct vm *volatile console_vm;   /* the running domain, or NULL */
static void (*vmctl_stopped_fn)(struct vm *vm);   /* vmctl's stop handler */
static unsigned restarts;                /* in the current window */
static unsigned starts;                  /* domains started since boot */
static uint64_t window_start_ns;

/* Load the image as a Multiboot 1 kernel (spec 0.6.96 §3.1-3.3) with a
 * small information block in low memory; set the vCPU's entry state. */
static int load_image(struct vm *vm)
{
	const struct mb1_info_desc desc = {
		.ram_size = CONSOLE_RAM, .cmdline = CONSOLE_CMDLINE, .modules = NULL, .nr_modules = 0,
	};
	struct load_ctx *lc = kzalloc(sizeof(*lc));
	uint8_t *info = NULL;
	uint32_t entry = 0;
	uint64_t info_gpa = 0;
	struct image_sink sink;
	int size, err;

	if (!lc)
		return -ENOMEM;
	lc->vm = vm;
	lc->what = "the console image";
	layout_init(&lc->layout, CONSOLE_RAM);
	sink = (struct image_sink){
		.write = load_ctx_write, .ctx = lc, .min_gpa = MiB, .max_gpa = CONSOLE_RAM,
	};
	err = mb1_load(console_image_start, (size_t)(console_image_end - console_image_start),
		       &sink, &entry);
	size = mb1_info_size(&desc);
	if (!err && size < 0)
		err = size;
	if (!err)
		err = layout_place(&lc->layout, (uint64_t)size, 16, INFO_GPA_MIN, MB1_LOW_RAM_END,
				   "the Multiboot information", &info_gpa);
	if (!err) {
		info = kmalloc((size_t)size);
		err = info ? 0 : -ENOMEM;
	}
	if (!err) {
		int n = mb1_info_build(info, (size_t)size, (uint32_t)info_gpa, &desc);
		err = n < 0 ? n : vm_write_guest(vm, info_gpa, info, (uint64_t)n);
	}
	kfree(info);
	kfree(lc);
	if (!err)
		err = vcpu_create(vm);
	if (!err)
		err = vcpu_set_multiboot_state(vm->vcpu, entry, MB1_BOOTLOADER_MAGIC,
					       (uint32_t)info_gpa);
	return err;
}

/* The physical UART interrupted while the domain owns it (host IRQ
 * context, any CPU): an edge on the domain's IRQ 4, and wake its vCPU. */
static void forward_uart_irq(void)
{
	struct vm *vm = console_vm;

	if (!vm || !vm->vcpu)
		return;
	vm_irq_set(vm, uart_irq_line(), true);
	vm_irq_set(vm, uart_irq_line(), false);
	vcpu_kick(vm->vcpu);
}

static void domain_stopped(struct vm *vm);

/* Build and start one console domain. */
static int start_domain(void)
{
	uint16_t port = uart_port();
	struct vm *vm;
	int id, err;

	vm = vm_create(CONSOLE_VM_NAME);
	if (!vm)
		return -ENOMEM;
	vm->privileged = true;
	err = sched_group_init(&vm->sched, vm->name, CONSOLE_WEIGHT, 0);
	if (!err)
		err = vm_add_ram(vm, 0, CONSOLE_RAM);
	if (!err)
		err = vm_add_platform(vm);
	if (!err)
		err = load_image(vm);
	if (!err)
		err = vcpu_ops->set_io_passthrough(vm->vcpu, port, 8, true);
	if (err) {
		pr_err("console: cannot build the console domain (error %d); plinth keeps the "
		       "serial console", err);
		vm_destroy(vm);
		return err;
	}
	id = vmctl_register(vm);
	if (id < 0) {
		vm_destroy(vm);
		return id;
	}
	/* Chain after vmctl's own stop handler (statistics, memory back). */
	vmctl_stopped_fn = vm->on_stopped;
	vm->on_stopped = domain_stopped;
	console_vm = vm;
	starts++;
	pr_info("console: console domain is vm %d; serial port 0x%x (IRQ %u) handed over", id,
		port, uart_irq_line());
	uart_set_guest_irq_hook(forward_uart_irq);
	uart_set_owned_by_guest(true);
	err = vmctl_start((unsigned)id);
	if (err) {
		uart_set_owned_by_guest(false);
		console_vm = NULL;
		pr_err("console: cannot start the console domain (error %d)", err);
	}
	return err;
}

/* The domain's last vCPU left the scheduler (vm->on_stopped; any CPU, no
 * locks held). */
static void domain_stopped(struct vm *vm)
{
	uint64_t now = time_now_ns();
	unsigned id = vm->id;

	/* Take the port back first: what follows must be visible. */
	console_vm = NULL;
	uart_set_owned_by_guest(false);
	if (vmctl_stopped_fn)
		vmctl_stopped_fn(vm);
	pr_warn("console: the console domain stopped (%s); plinth has the serial port again",
		vm->stop_reason[0] ? vm->stop_reason : "no reason given");
	/* The dead domain is no longer the console domain: its record goes,
	 * so the fresh one is the only "console" in vm list. */
	vm->privileged = false;
	vmctl_destroy(id);
	if (now - window_start_ns > RESTART_WINDOW_NS) {
		window_start_ns = now;
		restarts = 0;
	}
	if (++restarts > RESTART_BURST) {
		pr_err("console: the console domain stopped %u times within %llu s; not restarting "
		       "it (plinth keeps the serial console)", restarts - 1,
		       (unsigned long long)(RESTART_WINDOW_NS / 1000000000ULL));
		return;
	}
	pr_info("console: restarting the console domain");
	start_domain();
}

unsigned console_domain_starts(void)
{
	return starts;
}

int console_domain_start(void)
{
	if (hv_opts.test_exit) {
		pr_info("console: test_exit: no console domain; plinth keeps the serial console");
		return -ENODEV;
	}
	if (!uart_port()) {
		pr_info("console: no serial console (console=none): no console domain");
		return -ENODEV;
	}
	if (!vcpu_ops || !vcpu_ops->set_io_passthrough) {
		pr_warn("console: no usable virtualization backend: no console domain");
		return -ENODEV;
	}
	if (console_image_end - console_image_start < 64) {
		pr_err("console: the console image is missing from this build");
		return -ENOEXEC;
	}
	window_start_ns = time_now_ns();
	return start_domain();
}
