/* printf.h - plinth's formatted output (lib/printf.c). Pure and host-tested.
 * Supports %d %i %u %x %X %o %p %s %c %% with flags '-', '0', ' ', '+', '#',
 * width, precision, '*', and length modifiers hh h l ll z t j. */
#ifndef PLINTH_PRINTF_H
#define PLINTH_PRINTF_H

#include <stdarg.h>
#include <plinth/compiler.h>

/* Return the length the full output would have had (like C99 vsnprintf);
 * writes at most size bytes including the terminating NUL. */
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

#endif
