/* test_console_lineedit.c - the console shell's line editor
 * (console/lineedit.c): typing, cursor movement and editing with the keys
 * a VT100/xterm sends, history, and hostile input (over-long lines,
 * control and non-ASCII bytes, broken escape sequences). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "../../console/lineedit.h"
#include "host_support.h"

static char echo[8192];
static size_t echo_len;

static void emit(void *ctx, const char *s, size_t len)
{
	if (echo_len + len < sizeof(echo)) {
		memcpy(echo + echo_len, s, len);
		echo_len += len;
		echo[echo_len] = 0;
	}
}

static struct lineedit le;

/* Feed bytes; return the last non-NONE result. */
static enum le_result feed(const char *s, size_t n)
{
	enum le_result last = LE_NONE, r;
	for (size_t i = 0; i < n; i++)
		if ((r = le_feed(&le, (uint8_t)s[i])) != LE_NONE)
			last = r;
	return last;
}
#define FEED(s) feed((s), sizeof(s) - 1)

static int setup(void **state)
{
	le_init(&le, emit, NULL);
	echo_len = 0;
	echo[0] = 0;
	return 0;
}

static void test_type_and_enter(void **state)
{
	assert_int_equal(FEED("vm list"), LE_NONE);
	assert_string_equal(echo, "vm list");
	assert_int_equal(FEED("\r"), LE_LINE);
	assert_string_equal(le.line, "vm list");
	assert_false(le.overflow);
	assert_false(le.noise);
	/* CR LF is one Enter: the LF does not end an empty second line. */
	le_reset(&le);
	assert_int_equal(FEED("\n"), LE_NONE);
	assert_int_equal(FEED("x\n"), LE_LINE);
	assert_string_equal(le.line, "x");
}

static void test_backspace_and_cursor(void **state)
{
	FEED("helo");
	FEED("\x7f\x7f");                 /* DEL twice: "he" */
	FEED("llo");
	assert_int_equal(FEED("\r"), LE_LINE);
	assert_string_equal(le.line, "hello");
	le_reset(&le);
	/* Insert in the middle: "vm lst", two left, insert 'i'. */
	FEED("vm lst\x1b[D\x1b[Di");
	assert_int_equal(le.cur, 5);
	FEED("\x1b[C\x1b[C\x1b[C");       /* right past the end stays at the end */
	assert_int_equal(le.cur, le.len);
	FEED("\r");
	assert_string_equal(le.line, "vm list");
	le_reset(&le);
	/* Home, Delete, End; Ctrl-A / Ctrl-E; BS at the start does nothing. */
	FEED("xhelp\x1b[H\x1b[3~\x1b[F!");
	FEED("\x01\x08\x05");
	FEED("\r");
	assert_string_equal(le.line, "help!");
	le_reset(&le);
	/* Ctrl-U kills the line; Ctrl-C cancels. */
	FEED("garbage\x15ok");
	FEED("\r");
	assert_string_equal(le.line, "ok");
	le_reset(&le);
	assert_int_equal(FEED("abc\x03"), LE_CANCEL);
}

static void test_history(void **state)
{
	FEED("first\r");
	le_reset(&le);
	FEED("second\r");
	le_reset(&le);
	FEED("second\r");                  /* repeated: kept once */
	le_reset(&le);
	assert_int_equal(le.hist_count, 2);
	FEED("draft");
	FEED("\x1b[A");
	assert_string_equal(le.line, "second");
	FEED("\x1b[A");
	assert_string_equal(le.line, "first");
	FEED("\x1b[A");                    /* no older line: stays */
	assert_string_equal(le.line, "first");
	FEED("\x1bOB");                    /* application-mode down */
	assert_string_equal(le.line, "second");
	FEED("\x1b[B");
	assert_string_equal(le.line, "draft");   /* back to what was typed */
	FEED("\x1b[A\r");
	assert_string_equal(le.line, "second");
	/* More lines than the history holds: the oldest go. */
	for (int i = 0; i < LE_HISTORY + 5; i++) {
		char cmd[16];
		le_reset(&le);
		snprintf(cmd, sizeof(cmd), "cmd%d\r", i);
		feed(cmd, strlen(cmd));
	}
	assert_int_equal(le.hist_count, LE_HISTORY);
	le_reset(&le);
	for (int i = 0; i < LE_HISTORY + 3; i++)
		FEED("\x1b[A");
	assert_string_equal(le.line, "cmd5");
}

static void test_overlong_line(void **state)
{
	for (int i = 0; i < LE_MAX + 50; i++)
		FEED("a");
	assert_int_equal(le.len, LE_MAX);
	assert_true(le.overflow);
	assert_int_equal(FEED("\r"), LE_LINE);
	assert_int_equal(strlen(le.line), LE_MAX);
	/* A rejected line does not enter the history. */
	assert_int_equal(le.hist_count, 0);
	le_reset(&le);
	assert_false(le.overflow);
}

static void test_noise(void **state)
{
	static const uint8_t noise[] = { 0x00, 0x02, 0x80, 0xFF, 0x1D, 0x07, 0xC3, 0xA9 };
	for (size_t i = 0; i < sizeof(noise); i++)
		assert_int_equal(le_feed(&le, noise[i]), LE_NONE);
	FEED("help");
	assert_int_equal(FEED("\r"), LE_LINE);
	assert_string_equal(le.line, "help");
	assert_true(le.noise);
	assert_int_equal(le.hist_count, 0);
	/* Broken escapes: ESC + letter, an over-long sequence, a control
	 * byte inside one. None may move the cursor or crash. */
	le_reset(&le);
	FEED("ab\x1bx\x1b[1;2;3;4;5;6;7;8;9A\x1b[\x01" "c");
	assert_true(le.noise);
	assert_true(le.cur <= le.len);
	assert_true(le.len <= LE_MAX);
	/* Every byte value in every state: the invariants hold. */
	le_reset(&le);
	for (int round = 0; round < 4; round++)
		for (int c = 0; c < 256; c++) {
			le_feed(&le, (uint8_t)c);
			assert_true(le.cur <= le.len && le.len <= LE_MAX);
			assert_int_equal(strlen(le.line) <= LE_MAX, 1);
		}
}

static void test_redraw(void **state)
{
	FEED("abc\x1b[D");
	echo_len = 0;
	le_redraw(&le);
	assert_string_equal(echo, "abc\b");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_type_and_enter, setup),
		cmocka_unit_test_setup(test_backspace_and_cursor, setup),
		cmocka_unit_test_setup(test_history, setup),
		cmocka_unit_test_setup(test_overlong_line, setup),
		cmocka_unit_test_setup(test_noise, setup),
		cmocka_unit_test_setup(test_redraw, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
