/* test_cmdline.c - lib/cmdline.c: tokenising, quoting, every option type,
 * and the report for each kind of bad token. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include <plinth/cmdline.h>
#include <plinth/string.h>
#include "host_support.h"

/* ------------------------------------------------------------ a test table */

static bool flag;
static uint64_t number;
static char name[8];
static char custom_seen[64];

static int parse_color(const char *value, size_t len, const char **why)
{
	if (value && len == 3 && memcmp(value, "red", 3) == 0) {
		snprintf(custom_seen, sizeof(custom_seen), "red");
		return 0;
	}
	if (!value) {
		snprintf(custom_seen, sizeof(custom_seen), "(bare)");
		return 0;
	}
	*why = "not a color I know";
	return -EINVAL;
}

static int parse_silent_failure(const char *value, size_t len, const char **why)
{
	return -EINVAL;   /* no reason given */
}

static const struct option_desc table[] = {
	{ .name = "flag", .type = OPT_BOOL, .target = &flag, .help = "a flag" },
	{ .name = "num", .type = OPT_UINT, .target = &number, .min = 1, .max = 1000,
	  .help = "a number" },
	{ .name = "name", .type = OPT_STRING, .target = name, .size = sizeof(name),
	  .help = "a name" },
	{ .name = "color", .type = OPT_CUSTOM, .parse = parse_color, .help = "a color" },
	{ .name = "silent", .type = OPT_CUSTOM, .parse = parse_silent_failure, .help = "x" },
	{ .name = "big", .type = OPT_UINT, .target = &number, .min = 0, .max = UINT64_MAX,
	  .help = "any number" },
};

/* ------------------------------------------------------------ reports */

#define MAX_REPORTS 16
static struct { char token[128]; char why[128]; } reports[MAX_REPORTS];
static int nreports;

static void report(const char *token, size_t len, const char *why)
{
	assert_true(nreports < MAX_REPORTS);
	assert_non_null(why);
	snprintf(reports[nreports].token, sizeof(reports[0].token), "%.*s", (int)len, token);
	snprintf(reports[nreports].why, sizeof(reports[0].why), "%s", why);
	nreports++;
}

static int setup(void **state)
{
	flag = false;
	number = 7;
	strcpy(name, "dflt");
	custom_seen[0] = 0;
	nreports = 0;
	return 0;
}

static int run(const char *line)
{
	nreports = 0;
	return cmdline_parse(line, table, ARRAY_SIZE(table), report);
}

static void expect_report(int i, const char *token, const char *why_part)
{
	assert_true(i < nreports);
	assert_string_equal(reports[i].token, token);
	if (!strstr(reports[i].why, why_part))
		fail_msg("report %d for '%s' says '%s', expected '%s'", i, token,
			 reports[i].why, why_part);
}

/* ------------------------------------------------------------ tests */

static void test_empty(void **state)
{
	assert_int_equal(run(""), 0);
	assert_int_equal(run("   \t  "), 0);
	assert_int_equal(cmdline_parse(NULL, table, ARRAY_SIZE(table), report), 0);
	assert_int_equal(nreports, 0);
	assert_false(flag);
	assert_int_equal(number, 7);
}

static void test_all_types(void **state)
{
	assert_int_equal(run("flag num=42 name=abc color=red"), 0);
	assert_true(flag);
	assert_int_equal(number, 42);
	assert_string_equal(name, "abc");
	assert_string_equal(custom_seen, "red");
	assert_int_equal(run("\tnum=0x10  \t flag=off "), 0);
	assert_int_equal(number, 16);
	assert_false(flag);
	assert_int_equal(run("big=1K color"), 0);   /* suffix; bare custom */
	assert_int_equal(number, 1024);
	assert_string_equal(custom_seen, "(bare)");
	/* The last of repeated options wins. */
	assert_int_equal(run("num=1 num=2 num=3"), 0);
	assert_int_equal(number, 3);
}

static void test_bool_forms(void **state)
{
	static const char *const on[] = { "flag", "flag=on", "flag=yes", "flag=1", "flag=true" };
	static const char *const off[] = { "flag=off", "flag=no", "flag=0", "flag=false" };
	for (size_t i = 0; i < ARRAY_SIZE(on); i++) {
		flag = false;
		assert_int_equal(run(on[i]), 0);
		assert_true(flag);
	}
	for (size_t i = 0; i < ARRAY_SIZE(off); i++) {
		flag = true;
		assert_int_equal(run(off[i]), 0);
		assert_false(flag);
	}
	flag = true;
	assert_int_equal(run("flag=maybe flag= flag=ON flag=onn"), 4);
	expect_report(0, "flag=maybe", "expected on/off");
	expect_report(1, "flag=", "expected on/off");
	expect_report(2, "flag=ON", "expected on/off");
	expect_report(3, "flag=onn", "expected on/off");
	assert_true(flag);   /* untouched */
}

static void test_uint_errors(void **state)
{
	assert_int_equal(run("num num= num=abc num=0 num=1001 num=-1 num=99999999999999999999 num=1.5"), 8);
	expect_report(0, "num", "missing value");
	expect_report(1, "num=", "missing value");
	expect_report(2, "num=abc", "not a number");
	expect_report(3, "num=0", "out of range");
	expect_report(4, "num=1001", "out of range");
	expect_report(5, "num=-1", "not a number");
	expect_report(6, "num=99999999999999999999", "too large");
	expect_report(7, "num=1.5", "not a number");
	assert_int_equal(number, 7);
	/* Bounds are inclusive; the full 64-bit range is allowed when asked. */
	assert_int_equal(run("num=1000"), 0);
	assert_int_equal(number, 1000);
	assert_int_equal(run("num=1"), 0);
	assert_int_equal(run("big=0xffffffffffffffff"), 0);
	assert_true(number == UINT64_MAX);
}

static void test_string(void **state)
{
	assert_int_equal(run("name=1234567"), 0);   /* 7 chars fit in [8] */
	assert_string_equal(name, "1234567");
	assert_int_equal(run("name=12345678"), 1);
	expect_report(0, "name=12345678", "too long");
	assert_string_equal(name, "1234567");
	assert_int_equal(run("name="), 0);
	assert_string_equal(name, "");
	assert_int_equal(run("name"), 1);
	expect_report(0, "name", "missing value");
	assert_int_equal(run("name=\"a b\tc\""), 0);
	assert_string_equal(name, "a b\tc");
}

static void test_quotes(void **state)
{
	assert_int_equal(run("name=\"x y\" flag"), 0);
	assert_string_equal(name, "x y");
	assert_true(flag);
	assert_int_equal(run("name=\"\""), 0);
	assert_string_equal(name, "");
	/* Unterminated: the rest of the line is one bad token. */
	flag = false;
	assert_int_equal(run("num=3 name=\"abc flag"), 1);
	expect_report(0, "name=\"abc flag", "unterminated quote");
	assert_false(flag);
	assert_int_equal(number, 3);
	/* Text glued to the closing quote. */
	assert_int_equal(run("name=\"ab\"cd flag"), 1);
	expect_report(0, "name=\"ab\"cd", "after closing quote");
	assert_true(flag);
	/* Quotes elsewhere. */
	assert_int_equal(run("na\"me=x name=a\"b \"flag\""), 3);
	expect_report(0, "na\"me=x", "quote in option name");
	expect_report(1, "name=a\"b", "quote inside an unquoted value");
	expect_report(2, "\"flag\"", "quote in option name");
	/* Quoted value of a number option. */
	assert_int_equal(run("num=\"12\""), 0);
	assert_int_equal(number, 12);
}

static void test_unknown_and_malformed(void **state)
{
	assert_int_equal(run("bogus flag bogus=1 =5 = flagx fla"), 6);
	expect_report(0, "bogus", "unknown option");
	expect_report(1, "bogus=1", "unknown option");
	expect_report(2, "=5", "missing option name");
	expect_report(3, "=", "missing option name");
	expect_report(4, "flagx", "unknown option");
	expect_report(5, "fla", "unknown option");   /* no prefix matching */
	assert_int_equal(nreports, 6);
	assert_true(flag);
	/* Everything after the first '=' is the value. */
	assert_int_equal(run("name=a=b"), 0);
	assert_string_equal(name, "a=b");
}

static void test_custom(void **state)
{
	assert_int_equal(run("color=blue color=red silent=1"), 2);
	expect_report(0, "color=blue", "not a color I know");
	expect_report(1, "silent=1", "invalid value");
	assert_string_equal(custom_seen, "red");
}

static void test_null_report(void **state)
{
	/* Problems are still counted without a report function. */
	assert_int_equal(cmdline_parse("bogus num=0 flag", table, ARRAY_SIZE(table), NULL), 2);
	assert_true(flag);
}

static void test_broken_table(void **state)
{
	/* Table rows missing their target or parser are reported, not followed. */
	static const struct option_desc broken[] = {
		{ .name = "a", .type = OPT_BOOL },
		{ .name = "b", .type = OPT_CUSTOM },
		{ .name = NULL, .type = OPT_BOOL, .target = &flag },
		{ .name = "s", .type = OPT_STRING, .target = name, .size = 0 },
	};
	nreports = 0;
	assert_int_equal(cmdline_parse("a b s=x", broken, ARRAY_SIZE(broken), report), 3);
	expect_report(0, "a", "no target");
	expect_report(1, "b", "no parser");
	expect_report(2, "s=x", "too long");
}

static void test_long_line(void **state)
{
	/* A long line of many tokens: every one parsed, no fixed token limit. */
	size_t n = 500;
	char *line = malloc(n * 7 + 1);
	assert_non_null(line);
	line[0] = 0;
	for (size_t i = 0; i < n; i++)
		strcat(line, i % 2 ? "flag=0 " : "num=9  ");
	assert_int_equal(run(line), 0);
	assert_int_equal(number, 9);
	assert_false(flag);
	free(line);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, NULL)
	const struct CMUnitTest tests[] = {
		T(test_empty),
		T(test_all_types),
		T(test_bool_forms),
		T(test_uint_errors),
		T(test_string),
		T(test_quotes),
		T(test_unknown_and_malformed),
		T(test_custom),
		T(test_null_report),
		T(test_broken_table),
		T(test_long_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
