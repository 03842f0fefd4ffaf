/* out.c - formatted terminal output on top of con_write (pure). */
#include <plinth/printf.h>
#include <plinth/string.h>
#include "console.h"

void con_puts(const char *s)
{
	con_write(s, strlen(s));
}

void con_printf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	con_write(buf, MIN((size_t)n, sizeof(buf) - 1));
}
