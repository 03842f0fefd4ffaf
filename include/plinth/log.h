/* log.h - the hypervisor log: levels, timestamps since boot, an in-memory
 * ring buffer (read later by the console domain) and the serial console. */
#ifndef PLINTH_LOG_H
#define PLINTH_LOG_H

#include <plinth/compiler.h>

enum log_level { LOG_ERR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

void log_init(void);
void log_set_level(enum log_level level);
/* One log record: prefixed with "[ seconds.micro] " and a level tag, stored in
 * the ring and written to the console sinks. Safe from any CPU. */
void log_printf(enum log_level level, const char *fmt, ...) __printf(2, 3);
/* Raw text straight to the console sinks, no prefix, not stored (panic path). */
void console_write(const char *s, size_t len);
/* Copy ring contents starting at byte sequence number *pos into buf; updates
 * *pos. Returns bytes copied. If *pos was overwritten, copying restarts at the
 * oldest byte still held (and a "...log truncated..." marker is emitted). */
size_t log_read(uint64_t *pos, char *buf, size_t size);
void log_clear(void);
/* Panic path: append raw text to the ring without touching the console and
 * without waiting for the log lock (a stopped CPU may hold it): a bounded
 * number of trylock attempts, then the text is dropped from the ring. */
void log_store_panic(const char *s, size_t len);

#define pr_err(...)   log_printf(LOG_ERR, __VA_ARGS__)
#define pr_warn(...)  log_printf(LOG_WARN, __VA_ARGS__)
#define pr_info(...)  log_printf(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) log_printf(LOG_DEBUG, __VA_ARGS__)

#endif
