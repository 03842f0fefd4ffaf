/* test_console_ring.c - a VM's console output ring (vmm/console_ring.c):
 * absolute positions, wrap-around, the "bytes dropped" marker for a reader
 * that fell behind, replay starting at a line; and the receive side and
 * interrupt output of the UART model that feeds it (vmm/uart_model.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "../../vmm/console_ring.h"
#include "../../vmm/uart_model.h"
#include "host_support.h"

static struct console_ring ring;

static void put(const char *s)
{
	console_ring_put(&ring, s, strlen(s));
}

static void test_read_in_order(void **state)
{
	char buf[64];
	uint64_t pos = 0;
	size_t n;

	console_ring_init(&ring);
	put("hello\nworld\n");
	n = console_ring_read(&ring, &pos, buf, 5);
	assert_int_equal(n, 5);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(pos, 5);
	n = console_ring_read(&ring, &pos, buf, sizeof(buf));
	assert_int_equal(n, 7);
	assert_memory_equal(buf, "\nworld\n", 7);
	/* Caught up: nothing more; a position past the end is clamped. */
	assert_int_equal(console_ring_read(&ring, &pos, buf, sizeof(buf)), 0);
	pos = 1000;
	assert_int_equal(console_ring_read(&ring, &pos, buf, sizeof(buf)), 0);
	assert_int_equal(pos, 12);
}

static void test_overrun_marker(void **state)
{
	static char big[CONSOLE_RING_SIZE + 100];
	char buf[128];
	uint64_t pos = 0;
	size_t n;

	console_ring_init(&ring);
	memset(big, 'x', sizeof(big));
	big[sizeof(big) - 1] = 'E';
	console_ring_put(&ring, big, sizeof(big));   /* bigger than the ring */
	assert_int_equal(ring.end, sizeof(big));
	assert_int_equal(console_ring_oldest(&ring), 100);
	n = console_ring_read(&ring, &pos, buf, sizeof(buf) - 1);
	buf[n] = 0;
	assert_non_null(strstr(buf, "...100 bytes dropped...\n"));
	assert_int_equal(pos, 100 + n - strlen("\n...100 bytes dropped...\n"));
	/* Too little room for the marker: skipped, never cut in half. */
	pos = 0;
	n = console_ring_read(&ring, &pos, buf, 4);
	assert_int_equal(n, 4);
	assert_memory_equal(buf, "xxxx", 4);
	/* The newest byte is the last one written. */
	pos = ring.end - 1;
	assert_int_equal(console_ring_read(&ring, &pos, buf, 8), 1);
	assert_int_equal(buf[0], 'E');
}

static void test_wraps_many_times(void **state)
{
	char chunk[1000], buf[1000];
	uint64_t pos;

	console_ring_init(&ring);
	for (int i = 0; i < 300; i++) {
		memset(chunk, 'a' + i % 26, sizeof(chunk));
		console_ring_put(&ring, chunk, sizeof(chunk));
	}
	pos = ring.end - 1000;
	assert_int_equal(console_ring_read(&ring, &pos, buf, sizeof(buf)), 1000);
	assert_int_equal(buf[0], 'a' + 299 % 26);
	assert_int_equal(buf[999], 'a' + 299 % 26);
}

static void test_replay_start(void **state)
{
	console_ring_init(&ring);
	assert_int_equal(console_ring_replay_start(&ring, 100), 0);
	put("line one\nline two\nline three\n");
	/* Everything fits: from the beginning. */
	assert_int_equal(console_ring_replay_start(&ring, 1000), 0);
	/* 15 bytes back lands inside "line two": the next line start. */
	assert_int_equal(console_ring_replay_start(&ring, 15), strlen("line one\nline two\n"));
	/* No newline in the window: exactly max bytes back. */
	console_ring_init(&ring);
	put("abcdefghij");
	assert_int_equal(console_ring_replay_start(&ring, 4), 6);
}

static struct { int lines; char last[UART_LINE_MAX + 1]; int raw; } sink;

static void line_sink(void *ctx, const char *line, size_t len)
{
	sink.lines++;
	snprintf(sink.last, sizeof(sink.last), "%.*s", (int)len, line);
}

static void raw_sink(void *ctx, uint8_t c)
{
	sink.raw++;
	console_ring_put(&ring, (const char *)&c, 1);
}

static void test_uart_receive_and_irq(void **state)
{
	struct uart_model u;
	uint8_t many[UART_RX_MAX + 10];

	memset(&sink, 0, sizeof(sink));
	console_ring_init(&ring);
	uart_model_init(&u, line_sink, NULL);
	uart_model_set_raw_sink(&u, raw_sink);
	/* Output reaches the line sink and, byte by byte, the ring. */
	uart_model_write(&u, 0, 'o');
	uart_model_write(&u, 0, 'k');
	uart_model_write(&u, 0, '\n');
	assert_int_equal(sink.lines, 1);
	assert_string_equal(sink.last, "ok");
	assert_int_equal(ring.end, 3);
	/* Input: LSR.DR, RBR in order, no interrupt until IER and OUT2. */
	assert_int_equal(uart_model_receive(&u, (const uint8_t *)"ab", 2), 2);
	assert_int_equal(uart_model_read(&u, 5) & 1, 1);
	assert_false(uart_model_irq_line(&u));
	uart_model_write(&u, 1, 0x01);          /* IER.ERBFI */
	assert_false(uart_model_irq_line(&u));  /* OUT2 gates it on a PC */
	uart_model_write(&u, 4, 0x08);
	assert_true(uart_model_irq_line(&u));
	assert_int_equal(uart_model_read(&u, 2) & 0x0F, 0x04);   /* IIR: received data */
	assert_int_equal(uart_model_read(&u, 0), 'a');
	assert_int_equal(uart_model_read(&u, 0), 'b');
	assert_int_equal(uart_model_read(&u, 5) & 1, 0);
	assert_false(uart_model_irq_line(&u));
	assert_int_equal(uart_model_read(&u, 0), 0);             /* empty RBR */
	/* A flood: the FIFO keeps what fits, the rest is counted. */
	memset(many, 'z', sizeof(many));
	assert_int_equal(uart_model_receive(&u, many, sizeof(many)), UART_RX_MAX);
	assert_int_equal(u.rx_overruns, 10);
	uart_model_write(&u, 2, 0x03);          /* FCR: enable, clear receive FIFO */
	assert_int_equal(uart_model_read(&u, 5) & 1, 0);
	/* THRE interrupt: raised by enabling ETBEI, cleared by reading IIR. */
	uart_model_write(&u, 1, 0x02);
	assert_true(uart_model_irq_line(&u));
	assert_int_equal(uart_model_read(&u, 2) & 0x0F, 0x02);
	assert_false(uart_model_irq_line(&u));
	/* Loopback: transmitted bytes come back as input, not output. */
	uart_model_write(&u, 4, 0x18);
	uart_model_write(&u, 0, 'L');
	assert_int_equal(uart_model_read(&u, 0), 'L');
	assert_int_equal(ring.end, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_in_order),
		cmocka_unit_test(test_overrun_marker),
		cmocka_unit_test(test_wraps_many_times),
		cmocka_unit_test(test_replay_start),
		cmocka_unit_test(test_uart_receive_and_irq),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
