/* string.h - the freestanding string/memory functions (lib/string.c) and
 * plinth's own string helpers (lib/strutil.c, host-testable). */
#ifndef PLINTH_STRING_H
#define PLINTH_STRING_H

#include <plinth/compiler.h>

#ifdef PLINTH_HOST_TEST
#include <string.h>
#else
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
#endif

/* Copy at most size-1 bytes and always NUL-terminate (size > 0).
 * Returns strlen(src) so callers can detect truncation. */
size_t str_copy(char *dst, const char *src, size_t size);
/* Parse an unsigned number: decimal, 0x hex, optional K/M/G suffix when
 * allow_suffix. Returns 0 and sets *out, or -EINVAL / -ERANGE. The whole of
 * [s, s+len) must be consumed. */
int str_parse_u64(const char *s, size_t len, bool allow_suffix, uint64_t *out);
/* The last path component of a path ("/boot/a.elf" -> "a.elf"). */
const char *str_basename(const char *path);

#endif
