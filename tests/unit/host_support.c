/* host_support.c - the kernel's log and panic for host unit tests. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <plinth/panic.h>
#include "host_support.h"

#define HOST_LOG_KEEP 256
static char records[HOST_LOG_KEEP][512];
static unsigned nrecords;
static unsigned counts[4];
static char last_problem[512];
static bool quiet = true;

void log_init(void) {}
void log_set_level(enum log_level level) { (void)level; }

void log_printf(enum log_level level, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if ((unsigned)level < 4)
		counts[level]++;
	if (level <= LOG_WARN)
		snprintf(last_problem, sizeof(last_problem), "%s", buf);
	snprintf(records[nrecords % HOST_LOG_KEEP], sizeof(records[0]), "%s", buf);
	nrecords++;
	if (!quiet)
		printf("log[%d]: %s\n", level, buf);
}

void console_write(const char *s, size_t len) { fwrite(s, 1, len, stdout); }

size_t log_read(uint64_t *pos, char *buf, size_t size) { (void)pos; (void)buf; (void)size; return 0; }
void log_clear(void) {}
void log_store_panic(const char *s, size_t len) { (void)s; (void)len; }

void panic(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "PANIC: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	abort();
}

unsigned host_log_count(enum log_level level) { return (unsigned)level < 4 ? counts[level] : 0; }
const char *host_last_problem(void) { return last_problem; }

bool host_log_contains(const char *needle)
{
	unsigned n = nrecords < HOST_LOG_KEEP ? nrecords : HOST_LOG_KEEP;
	for (unsigned i = 0; i < n; i++)
		if (strstr(records[i], needle))
			return true;
	return false;
}

void host_log_reset(void)
{
	memset(counts, 0, sizeof(counts));
	last_problem[0] = 0;
	nrecords = 0;
}

void host_log_quiet(bool q) { quiet = q; }
