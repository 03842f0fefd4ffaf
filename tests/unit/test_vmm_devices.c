/* test_vmm_devices.c - the pure device-side pieces of the VMM: the 16550
 * register model (vmm/uart_model.c), port-range dispatch (vmm/io.c) and
 * the guest CPUID policy (vmm/cpuid_policy.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <plinth/vm.h>
#include "../../vmm/cpuid_policy.h"
#include "../../vmm/uart_model.h"
#include "../../vmm/io.h"
#include "host_support.h"

/* ------------------------------------------------------------ UART model */

struct sink {
	char lines[8][UART_LINE_MAX + 1];
	unsigned count;
};

static void sink_fn(void *ctx, const char *line, size_t len)
{
	struct sink *s = ctx;
	assert_true(len <= UART_LINE_MAX);
	assert_true(s->count < 8);
	memcpy(s->lines[s->count], line, len);
	s->lines[s->count][len] = 0;
	s->count++;
}

static void send(struct uart_model *u, const char *s)
{
	for (; *s; s++)
		uart_model_write(u, 0, (uint8_t)*s);
}

static void test_uart_lines(void **state)
{
	struct sink s = { .count = 0 };
	struct uart_model u;
	uart_model_init(&u, sink_fn, &s);
	send(&u, "hello\r\nworld\n\npartial");
	assert_int_equal(s.count, 3);
	assert_string_equal(s.lines[0], "hello");
	assert_string_equal(s.lines[1], "world");
	assert_string_equal(s.lines[2], "");
	uart_model_flush(&u);
	assert_int_equal(s.count, 4);
	assert_string_equal(s.lines[3], "partial");
	uart_model_flush(&u);               /* nothing left: no empty line */
	assert_int_equal(s.count, 4);
}

static void test_uart_long_line(void **state)
{
	struct sink s = { .count = 0 };
	struct uart_model u;
	char big[UART_LINE_MAX + 11];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	uart_model_init(&u, sink_fn, &s);
	send(&u, big);
	send(&u, "\n");
	assert_int_equal(s.count, 2);
	assert_int_equal(strlen(s.lines[0]), UART_LINE_MAX);
	assert_int_equal(strlen(s.lines[1]), 10);
}

static void test_uart_registers(void **state)
{
	struct sink s = { .count = 0 };
	struct uart_model u;
	uart_model_init(&u, sink_fn, &s);
	/* LSR: transmitter empty; RBR: no data. */
	assert_int_equal(uart_model_read(&u, 5) & 0x61, 0x60);
	assert_int_equal(uart_model_read(&u, 0), 0);
	/* Divisor latch: DLAB routes offsets 0/1 to DLL/DLM, not THR/IER. */
	uart_model_write(&u, 3, 0x83);
	uart_model_write(&u, 0, 0x01);
	uart_model_write(&u, 1, 0x02);
	assert_int_equal(uart_model_read(&u, 0), 0x01);
	assert_int_equal(uart_model_read(&u, 1), 0x02);
	assert_int_equal(s.count, 0);
	assert_int_equal(u.len, 0);         /* the DLL write printed nothing */
	uart_model_write(&u, 3, 0x03);
	assert_int_equal(uart_model_read(&u, 3), 0x03);
	assert_int_equal(uart_model_read(&u, 1), 0x00);
	/* Scratch register. */
	uart_model_write(&u, 7, 0xA5);
	assert_int_equal(uart_model_read(&u, 7), 0xA5);
	/* IIR: no interrupt; FIFO bits once FCR enables them. */
	assert_int_equal(uart_model_read(&u, 2), 0x01);
	uart_model_write(&u, 2, 0x07);
	assert_int_equal(uart_model_read(&u, 2), 0xC1);
	/* Enabling the THRE interrupt identifies it once in IIR. */
	uart_model_write(&u, 1, 0x02);
	assert_int_equal(uart_model_read(&u, 2), 0xC2);
	assert_int_equal(uart_model_read(&u, 2), 0xC1);
	uart_model_write(&u, 0, 'a');
	assert_int_equal(uart_model_read(&u, 2), 0xC2);
}

static void test_uart_loopback(void **state)
{
	struct sink s = { .count = 0 };
	struct uart_model u;
	uart_model_init(&u, sink_fn, &s);
	/* The Linux 8250 probe: MCR = LOOP|OUT2|RTS must read MSR 0x90. */
	uart_model_write(&u, 4, 0x1A);
	assert_int_equal(uart_model_read(&u, 6) & 0xF0, 0x90);
	uart_model_write(&u, 4, 0x1F);
	assert_int_equal(uart_model_read(&u, 6) & 0xF0, 0xF0);
	/* Loopback output does not reach the log. */
	send(&u, "hidden\n");
	assert_int_equal(s.count, 0);
	uart_model_write(&u, 4, 0x03);
	assert_int_equal(uart_model_read(&u, 6), 0xB0);
}

/* A 16550A with FIFOs as Linux's 8250 driver uses it: FCR enables them
 * (IIR 7:6 = 11), the receive trigger level decides between the RDA and
 * the character-timeout identification, toggling FCR bit 0 or writing bit
 * 1 empties the receiver, an overrun shows in LSR.OE and as the highest-
 * priority interrupt until LSR is read. */
static void test_uart_fifo(void **state)
{
	struct sink s = { .count = 0 };
	struct uart_model u;
	uint8_t in[UART_RX_MAX + 3];

	uart_model_init(&u, sink_fn, &s);
	memset(in, 'k', sizeof(in));
	uart_model_write(&u, 4, 0x08);                   /* OUT2: the IRQ reaches the bus */
	uart_model_write(&u, 2, 0x81);                   /* FIFOs on, trigger 8 bytes */
	uart_model_write(&u, 1, 0x05);                   /* ERBFI | ELSI */
	assert_false(uart_model_irq_line(&u));
	assert_int_equal(uart_model_receive(&u, in, 3), 3);
	assert_true(uart_model_irq_line(&u));
	assert_int_equal(uart_model_read(&u, 2), 0xCC);  /* below the trigger: timeout */
	assert_int_equal(uart_model_receive(&u, in, 5), 5);
	assert_int_equal(uart_model_read(&u, 2), 0xC4);  /* 8 bytes: RDA */
	for (int i = 0; i < 8; i++) {
		assert_int_equal(uart_model_read(&u, 5) & 0x01, 0x01);   /* LSR.DR */
		assert_int_equal(uart_model_read(&u, 0), 'k');
	}
	assert_int_equal(uart_model_read(&u, 5) & 0x01, 0);
	assert_int_equal(uart_model_read(&u, 2), 0xC1);
	assert_false(uart_model_irq_line(&u));
	/* Overrun: the excess is refused, LSR.OE and IIR RLS until LSR read. */
	assert_int_equal(uart_model_receive(&u, in, sizeof(in)), UART_RX_MAX);
	assert_int_equal(u.rx_overruns, 3);
	assert_int_equal(uart_model_read(&u, 2), 0xC6);
	assert_int_equal(uart_model_read(&u, 5) & 0x03, 0x03);     /* DR | OE */
	assert_int_equal(uart_model_read(&u, 5) & 0x02, 0);        /* OE cleared by the read */
	assert_int_equal(uart_model_read(&u, 2), 0xC4);
	/* FCR bit 1 empties the receiver; bits 1 and 2 do not stick. */
	uart_model_write(&u, 2, 0x87);
	assert_int_equal(u.rx_count, 0);
	assert_int_equal(uart_model_read(&u, 2), 0xC1);
	assert_false(uart_model_irq_line(&u));
	/* Trigger 1 byte (FCR 7:6 = 00): one byte is RDA, not a timeout. */
	uart_model_write(&u, 2, 0x01);
	uart_model_receive(&u, in, 1);
	assert_int_equal(uart_model_read(&u, 2), 0xC4);
	/* Turning the FIFOs off empties them and clears IIR 7:6 (16450
	 * mode: received data is plain RDA whatever the count). */
	uart_model_write(&u, 2, 0x00);
	assert_int_equal(u.rx_count, 0);
	assert_int_equal(uart_model_read(&u, 2), 0x01);
	uart_model_receive(&u, in, 2);
	assert_int_equal(uart_model_read(&u, 2), 0x04);
	/* With the FIFOs off the trigger bits are not taken. */
	uart_model_write(&u, 2, 0xC0);
	assert_int_equal(u.fcr, 0);
}

/* Interrupt-driven output as the 8250 tty driver does it: ETBEI raises
 * the line at once (the transmitter is empty), the handler reads IIR
 * (THRE, which that read clears), writes a burst of up to 16 bytes into
 * the FIFO, and the FIFO's draining raises THRE again for the next burst;
 * LSR says THRE and TEMT throughout, so the console's polling finds the
 * transmitter ready at the first read. */
static void test_uart_tx_bursts(void **state)
{
	struct sink s = { .count = 0 };
	struct uart_model u;
	const char *text = "0123456789abcdefghijklmnopqrstuvwxyz0123456789\n";
	size_t at = 0, len = strlen(text);
	unsigned interrupts = 0;

	uart_model_init(&u, sink_fn, &s);
	uart_model_write(&u, 2, 0xC7);                   /* FIFOs on, cleared */
	uart_model_write(&u, 4, 0x0B);                   /* DTR, RTS, OUT2 */
	assert_false(uart_model_irq_line(&u));
	uart_model_write(&u, 1, 0x02);                   /* ETBEI */
	while (uart_model_irq_line(&u)) {
		assert_int_equal(uart_model_read(&u, 2), 0xC2);
		assert_false(uart_model_irq_line(&u));   /* the IIR read cleared it */
		interrupts++;
		if (at == len) {
			uart_model_write(&u, 1, 0x00);   /* nothing left: stop_tx */
			break;
		}
		for (unsigned i = 0; i < UART_TX_FIFO && at < len; i++) {
			assert_int_equal(uart_model_read(&u, 5) & 0x60, 0x60);
			uart_model_write(&u, 0, (uint8_t)text[at++]);
		}
	}
	assert_int_equal(interrupts, 4);                 /* 47 bytes: 16 + 16 + 15, then done */
	assert_int_equal(s.count, 1);
	assert_int_equal(strlen(s.lines[0]), len - 1);
	assert_false(uart_model_irq_line(&u));
}

/* ------------------------------------------------------------ port dispatch */

struct fake_dev { uint16_t last_port; unsigned last_size; uint32_t last_val; unsigned outs; };

static int fake_in(struct vm *vm, void *dev, uint16_t port, unsigned size, uint32_t *val)
{
	struct fake_dev *d = dev;
	d->last_port = port;
	d->last_size = size;
	*val = 0x12345678u & (size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1);
	return 0;
}

static int fake_out(struct vm *vm, void *dev, uint16_t port, unsigned size, uint32_t val)
{
	struct fake_dev *d = dev;
	d->last_port = port;
	d->last_size = size;
	d->last_val = val;
	d->outs++;
	return port == 0x103 ? -EIO : 0;
}

static void test_io_dispatch(void **state)
{
	static struct vm vm;
	struct fake_dev a = { 0, 0, 0, 0 };
	uint32_t v;

	memset(&vm, 0, sizeof(vm));
	strcpy(vm.name, "t");
	host_log_reset();
	assert_int_equal(vm_add_io(&vm, 0x100, 4, fake_in, fake_out, &a), 0);
	/* Overlaps at either end and empty/oversized ranges are refused. */
	assert_int_equal(vm_add_io(&vm, 0x103, 2, fake_in, fake_out, &a), -EEXIST);
	assert_int_equal(vm_add_io(&vm, 0xFE, 3, fake_in, fake_out, &a), -EEXIST);
	assert_int_equal(vm_add_io(&vm, 0x200, 0, fake_in, fake_out, &a), -EINVAL);
	assert_int_equal(vm_add_io(&vm, 0xFFFF, 2, fake_in, fake_out, &a), -EINVAL);
	assert_true(host_log_count(LOG_ERR) >= 4);
	assert_int_equal(vm_add_io(&vm, 0x104, 1, fake_in, fake_out, &a), 0);   /* adjacent is fine */
	assert_int_equal(vm_add_io(&vm, 0xFFFF, 1, fake_in, fake_out, &a), 0);

	assert_int_equal(vm_io_in(&vm, 0x102, 2, &v), 0);
	assert_int_equal(v, 0x5678);
	assert_int_equal(a.last_port, 0x102);
	assert_int_equal(vm_io_out(&vm, 0x101, 1, 0xAB), 0);
	assert_int_equal(a.last_val, 0xAB);
	assert_int_equal(vm_io_out(&vm, 0x103, 1, 0), -EIO);   /* device error passed back */
	/* Unassigned ports: all ones, writes dropped. */
	assert_int_equal(vm_io_in(&vm, 0x2F8, 1, &v), 0);
	assert_int_equal(v, 0xFF);
	assert_int_equal(vm_io_in(&vm, 0x2F8, 2, &v), 0);
	assert_int_equal(v, 0xFFFF);
	assert_int_equal(vm_io_in(&vm, 0x2F8, 4, &v), 0);
	assert_int_equal(v, 0xFFFFFFFFu);
	unsigned outs = a.outs;
	assert_int_equal(vm_io_out(&vm, 0x2F8, 4, 1), 0);
	assert_int_equal(a.outs, outs);
}

static void test_io_table_full(void **state)
{
	static struct vm vm;
	struct fake_dev a = { 0, 0, 0, 0 };
	memset(&vm, 0, sizeof(vm));
	for (unsigned i = 0; i < VM_MAX_IO_RANGES; i++)
		assert_int_equal(vm_add_io(&vm, (uint16_t)(0x1000 + 16 * i), 8, fake_in, fake_out, &a), 0);
	host_log_reset();
	assert_int_equal(vm_add_io(&vm, 0x8000, 1, fake_in, fake_out, &a), -ENOSPC);
	assert_true(host_log_contains("no room"));
}

/* Ranges added in any order are found by the binary search, their edges
 * exactly; vm_io_access says whether a device took the port. */
static void test_io_lookup_order(void **state)
{
	static struct vm vm;
	struct fake_dev d[6];
	static const uint16_t bases[6] = { 0x3F8, 0x20, 0xCF8, 0x60, 0xA0, 0x510 };
	uint32_t v = 0;
	bool claimed = true;

	memset(&vm, 0, sizeof(vm));
	memset(d, 0, sizeof(d));
	strcpy(vm.name, "t");
	for (unsigned i = 0; i < 6; i++)
		assert_int_equal(vm_add_io(&vm, bases[i], 2, fake_in, fake_out, &d[i]), 0);
	for (unsigned i = 1; i < vm.io_count; i++)
		assert_true(vm.io[i - 1].base < vm.io[i].base);
	for (unsigned i = 0; i < 6; i++) {
		assert_int_equal(vm_io_in(&vm, (uint16_t)(bases[i] + 1), 1, &v), 0);
		assert_int_equal(d[i].last_port, bases[i] + 1);
		assert_true(vm_io_claimed(&vm, bases[i]));
		assert_false(vm_io_claimed(&vm, (uint16_t)(bases[i] + 2)));
		assert_false(vm_io_claimed(&vm, (uint16_t)(bases[i] - 1)));
	}
	assert_false(vm_io_claimed(&vm, 0));
	assert_false(vm_io_claimed(&vm, 0xFFFF));
	assert_int_equal(vm_io_access(&vm, 0x2E8, 1, true, &v, &claimed), 0);
	assert_false(claimed);
	assert_int_equal(v, 0xFF);
	v = 0x5A;
	assert_int_equal(vm_io_access(&vm, 0x61, 1, false, &v, &claimed), 0);
	assert_true(claimed);
	assert_int_equal(d[3].last_val, 0x5A);
}

/* ------------------------------------------------------------ CPUID policy */

static void test_cpuid_leaf1(void **state)
{
	const struct cpuid_guest_ctx ctx = { .apic_id = 3, .cr4_osxsave = false };
	/* Host: VMX, SMX, MONITOR, x2APIC, XSAVE, OSXSAVE, AVX set; APIC id 9. */
	struct cpuid_regs r = { 0x906E9, 0x09100800, 0x7FFAFBFF, 0xBFEBFBFF };
	cpuid_guest_view(1, 0, &ctx, &r);
	assert_true(r.ecx & (1u << 31));           /* hypervisor present */
	assert_false(r.ecx & (1u << 5));           /* VMX */
	assert_false(r.ecx & (1u << 6));           /* SMX */
	assert_false(r.ecx & (1u << 15));          /* PDCM: IA32_PERF_CAPABILITIES */
	assert_false(r.ecx & (1u << 3));           /* MONITOR */
	assert_false(r.ecx & (1u << 21));          /* x2APIC */
	assert_false(r.ecx & (1u << 26));          /* XSAVE */
	assert_false(r.ecx & (1u << 27));          /* OSXSAVE follows CR4 (clear) */
	assert_false(r.edx & (1u << 9));           /* APIC */
	assert_int_equal(r.ebx >> 24, 3);
	/* CLFLUSH size and brand passed through; 23:16 the one vCPU's
	 * package (nr_vcpus 0 counts as 1), not the host's 16. */
	assert_int_equal(r.ebx & 0xFFFF, 0x0800);
	assert_int_equal((r.ebx >> 16) & 0xFF, 1);
	assert_false(r.edx & (1u << 28));          /* HTT: one logical CPU */
	assert_int_equal(r.eax, 0x906E9);          /* signature passed through */
	assert_true(r.ecx & 1);                    /* SSE3 passed through */
}

/* Leaf 1 shows the APIC and x2APIC when the vCPU has them; the extended
 * topology leaves give the vCPU's own x2APIC ID. */
static void test_cpuid_apic_bits(void **state)
{
	const struct cpuid_guest_ctx on = { .apic_id = 5, .apic = true, .x2apic = true };
	const struct cpuid_guest_ctx off = { .apic_id = 5 };
	struct cpuid_regs r = { 0, 0, 0, 0 };

	cpuid_guest_view(1, 0, &on, &r);
	assert_true(r.edx & (1u << 9));
	assert_true(r.ecx & (1u << 21));
	r = (struct cpuid_regs){ 0, 0, 0xFFFFFFFF, 0xFFFFFFFF };
	cpuid_guest_view(1, 0, &off, &r);
	assert_false(r.edx & (1u << 9));
	assert_false(r.ecx & (1u << 21));
	r = (struct cpuid_regs){ 1, 2, 0x100, 0 };
	cpuid_guest_view(0xB, 0, &on, &r);
	assert_int_equal(r.edx, 5);
	assert_int_equal(r.ecx, 0x100);
	r = (struct cpuid_regs){ 1, 2, 0x201, 7 };
	cpuid_guest_view(0x1F, 1, &on, &r);
	assert_int_equal(r.edx, 5);
}

static void test_cpuid_hypervisor_leaves(void **state)
{
	const struct cpuid_guest_ctx ctx = { .apic_id = 0, .cr4_osxsave = false };
	struct cpuid_regs r = { 1, 2, 3, 4 };
	char sig[13];
	assert_true(cpuid_leaf_is_hypervisor(0x40000000));
	assert_true(cpuid_leaf_is_hypervisor(0x4FFFFFFF));
	assert_false(cpuid_leaf_is_hypervisor(0x80000000));
	assert_false(cpuid_leaf_is_hypervisor(0x3FFFFFFF));
	cpuid_guest_view(0x40000000, 0, &ctx, &r);
	assert_int_equal(r.eax, CPUID_HV_MAX_LEAF);
	memcpy(sig, &r.ebx, 4);
	memcpy(sig + 4, &r.ecx, 4);
	memcpy(sig + 8, &r.edx, 4);
	sig[12] = 0;
	assert_string_equal(sig, "plinthplinth");
	r = (struct cpuid_regs){ 1, 2, 3, 4 };
	cpuid_guest_view(0x40000001, 0, &ctx, &r);
	assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
	r = (struct cpuid_regs){ 1, 2, 3, 4 };
	cpuid_guest_view(0x4000FF00, 0, &ctx, &r);
	assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
	/* The KVM-compatible block at 0x40000100: Linux's signature scan
	 * finds "KVMKVMKVM\0\0\0" there, the block ends at its feature
	 * leaf, and only KVM_FEATURE_CLOCKSOURCE2 (bit 3) and NOP_IO_DELAY
	 * (bit 1) are offered. */
	r = (struct cpuid_regs){ 1, 2, 3, 4 };
	cpuid_guest_view(0x40000100, 0, &ctx, &r);
	assert_int_equal(r.eax, 0x40000101);
	memcpy(sig, &r.ebx, 4);
	memcpy(sig + 4, &r.ecx, 4);
	memcpy(sig + 8, &r.edx, 4);
	assert_memory_equal(sig, "KVMKVMKVM\0\0\0", 12);
	r = (struct cpuid_regs){ 1, 2, 3, 4 };
	cpuid_guest_view(0x40000101, 0, &ctx, &r);
	assert_int_equal(r.eax, (1u << 3) | (1u << 1));   /* CLOCKSOURCE2, NOP_IO_DELAY */
	assert_int_equal(r.ebx | r.ecx | r.edx, 0);
	r = (struct cpuid_regs){ 1, 2, 3, 4 };
	cpuid_guest_view(0x40000102, 0, &ctx, &r);
	assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
	r = (struct cpuid_regs){ 1, 2, 3, 4 };
	cpuid_guest_view(0x40000200, 0, &ctx, &r);
	assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
}

/* Exit counts by port: per port and direction, the top ones by count in
 * the line, a full table counting the rest as "beyond the table". */
static void test_io_exit_stats(void **state)
{
	static struct vm vm;
	char buf[VM_IO_STATS_LINE_MAX];
	int n;

	memset(&vm, 0, sizeof(vm));
	strcpy(vm.name, "t");
	for (int i = 0; i < 5; i++)
		vm_io_count_exit(&vm, 0x3FD, true);
	for (int i = 0; i < 7; i++)
		vm_io_count_exit(&vm, 0x3F8, false);
	vm_io_count_exit(&vm, 0x3F8, true);           /* the other direction: its own entry */
	vm_io_count_exit(&vm, 0x0, false);            /* port 0 is not the free-slot key */
	n = vm_io_stats_format(&vm, buf, sizeof(buf), 3);
	assert_string_equal(buf, "14 io exits at 4 ports: 0x3f8 out 7, 0x3fd in 5, 0x3f8 in 1");
	assert_int_equal(n, (int)strlen(buf));
	/* Truncation keeps the terminator and reports the full length. */
	char small[10];
	assert_int_equal(vm_io_stats_format(&vm, small, sizeof(small), 3), n);
	assert_string_equal(small, "14 io exi");
	/* More distinct ports than slots: the rest is counted, not lost. */
	for (unsigned p = 0x1000; p < 0x1000 + VM_IO_STATS_SLOTS; p++)
		vm_io_count_exit(&vm, (uint16_t)p, true);
	vm_io_stats_format(&vm, buf, sizeof(buf), 1);
	assert_string_equal(buf, "78 io exits at 64 ports: 0x3f8 out 7; 4 at ports beyond the table");
	host_log_reset();
	vm_io_stats_print(&vm);
	assert_true(host_log_contains("vm t: 78 io exits at 64 ports"));
	/* A VM without port exits prints nothing. */
	memset(&vm, 0, sizeof(vm));
	host_log_reset();
	vm_io_stats_print(&vm);
	assert_int_equal(host_log_count(LOG_INFO), 0);
}

static void test_cpuid_other_leaves(void **state)
{
	const struct cpuid_guest_ctx ctx = { .apic_id = 0, .cr4_osxsave = true };
	struct cpuid_regs r = { 0, 0, 0, 0 };
	cpuid_guest_view(1, 0, &ctx, &r);
	assert_true(r.ecx & (1u << 27));           /* OSXSAVE mirrors CR4 */
	r = (struct cpuid_regs){ 0, 0xFFFFFFFF, 0xFFFFFFFF, 0x1234 };
	cpuid_guest_view(7, 0, &ctx, &r);
	assert_false(r.ebx & (1u << 2));           /* SGX */
	assert_false(r.ebx & (1u << 5));           /* AVX2 */
	assert_false(r.ecx & (1u << 5));           /* WAITPKG */
	assert_true(r.ebx & 1);                    /* FSGSBASE passed through */
	assert_int_equal(r.edx, 0x1234);
	r = (struct cpuid_regs){ 0, 0xFFFFFFFF, 0xFFFFFFFF, 0 };
	cpuid_guest_view(7, 1, &ctx, &r);          /* other subleaves untouched */
	assert_int_equal(r.ebx, 0xFFFFFFFF);
	r = (struct cpuid_regs){ 7, 7, 7, 7 };
	cpuid_guest_view(0xD, 0, &ctx, &r);
	assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
	r = (struct cpuid_regs){ 0x756E6547, 1, 2, 3 };
	cpuid_guest_view(0, 0, &ctx, &r);
	assert_int_equal(r.eax, 0x756E6547);       /* leaf 0 unchanged */
	/* Leaf 6: only ARAT survives; APERF/MPERF (ECX[0]), EPB (ECX[3]),
	 * DTS, turbo, HWP... would name MSRs that #GP. */
	r = (struct cpuid_regs){ 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF };
	cpuid_guest_view(6, 0, &ctx, &r);
	assert_int_equal(r.eax, 1u << 2);
	assert_int_equal(r.ebx | r.ecx | r.edx, 0);
	r = (struct cpuid_regs){ 0x1, 0, 0x9, 0 };   /* DTS, APERFMPERF, EPB, no ARAT */
	cpuid_guest_view(6, 0, &ctx, &r);
	assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uart_lines),
		cmocka_unit_test(test_uart_long_line),
		cmocka_unit_test(test_uart_registers),
		cmocka_unit_test(test_uart_loopback),
		cmocka_unit_test(test_uart_fifo),
		cmocka_unit_test(test_uart_tx_bursts),
		cmocka_unit_test(test_io_dispatch),
		cmocka_unit_test(test_io_table_full),
		cmocka_unit_test(test_io_lookup_order),
		cmocka_unit_test(test_io_exit_stats),
		cmocka_unit_test(test_cpuid_apic_bits),
		cmocka_unit_test(test_cpuid_leaf1),
		cmocka_unit_test(test_cpuid_hypervisor_leaves),
		cmocka_unit_test(test_cpuid_other_leaves),
	};
	host_log_quiet(true);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
