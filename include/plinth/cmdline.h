/* cmdline.h - the hypervisor command line: "name=value name flag ...".
 * One table of options (boot/options.c) drives the parser (lib/cmdline.c,
 * pure, host-tested). Unknown or malformed options are reported through
 * the report callback and skipped, never fatal. */
#ifndef PLINTH_CMDLINE_H
#define PLINTH_CMDLINE_H

#include <plinth/compiler.h>

enum option_type {
	OPT_BOOL,     /* "name" (true), "name=on|off|yes|no|1|0|true|false" */
	OPT_UINT,     /* decimal or 0x hex, optional K/M/G suffix; min..max checked */
	OPT_STRING,   /* copied into a char[size] buffer; too long is an error */
	OPT_CUSTOM,   /* parse(value, len, ctx) returns 0 or -EINVAL with a reason */
};

struct option_desc {
	const char *name;
	enum option_type type;
	void *target;             /* bool *, uint64_t *, char[size] */
	size_t size;              /* OPT_STRING buffer size */
	uint64_t min, max;        /* OPT_UINT bounds (inclusive) */
	int (*parse)(const char *value, size_t len, const char **why);  /* OPT_CUSTOM */
	const char *help;
};

/* Called once per problem: the offending token (not NUL-terminated) and why. */
typedef void (*cmdline_report_fn)(const char *token, size_t len, const char *why);

/* Parse the whole command line. Tokens are separated by spaces/tabs; a value
 * may be double-quoted to include spaces. Returns the number of problems
 * reported (0 = all options understood). */
int cmdline_parse(const char *cmdline, const struct option_desc *table, size_t n,
		  cmdline_report_fn report);

#endif
