/* log.c - the hypervisor log: one record per call, timestamped, kept in a
 * 64 KiB ring (oldest bytes overwritten) and written to the serial console.
 * The ring is addressed by absolute byte positions so a reader (the console
 * domain's `log` command) can resume where it stopped and notice loss. */
#include <plinth/log.h>
#include <plinth/printf.h>
#include <plinth/spinlock.h>
#include <plinth/string.h>
#include <plinth/time.h>
#include <plinth/uart.h>

#define LOG_RING_SIZE (64 * 1024)   /* a power of two */

static char ring[LOG_RING_SIZE];
static uint64_t ring_end;            /* absolute position of the next byte */
static uint64_t ring_start;          /* oldest position still valid (moved by log_clear) */
static spinlock_t log_lock = SPINLOCK_INIT;
static enum log_level max_level = LOG_INFO;

static const char *const level_tag[] = {
	[LOG_ERR] = "error: ",
	[LOG_WARN] = "warning: ",
	[LOG_INFO] = "",
	[LOG_DEBUG] = "debug: ",
};

void log_init(void)
{
	ring_end = ring_start = 0;
}

void log_set_level(enum log_level level)
{
	if (level <= LOG_DEBUG)
		max_level = level;
}

void console_write(const char *s, size_t len)
{
	uart_write(s, len);
}

static void ring_put(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		ring[(ring_end + i) & (LOG_RING_SIZE - 1)] = s[i];
	ring_end += len;
}

void log_printf(enum log_level level, const char *fmt, ...)
{
	char line[512];
	if (level > max_level)
		return;
	uint64_t ns = time_now_ns();
	int n = ksnprintf(line, sizeof(line), "[%5llu.%06llu] %s",
			  (unsigned long long)(ns / 1000000000ULL),
			  (unsigned long long)(ns / 1000ULL % 1000000ULL),
			  level <= LOG_DEBUG ? level_tag[level] : "");
	va_list ap;
	va_start(ap, fmt);
	size_t room = sizeof(line) - (size_t)n - 1;   /* keep one byte for '\n' */
	int m = kvsnprintf(line + n, room + 1, fmt, ap);
	va_end(ap);
	size_t len = (size_t)n + ((size_t)m < room ? (size_t)m : room);
	if ((size_t)m > room) {
		/* Say the record was cut rather than silently losing its end. */
		memcpy(line + len - 3, "...", 3);
	}
	line[len++] = '\n';

	uint64_t f = spin_lock_irqsave(&log_lock);
	ring_put(line, len);
	console_write(line, len);
	spin_unlock_irqrestore(&log_lock, f);
}

size_t log_read(uint64_t *pos, char *buf, size_t size)
{
	static const char marker[] = "...log truncated...\n";
	size_t out = 0;
	uint64_t f = spin_lock_irqsave(&log_lock);
	uint64_t oldest = ring_end > LOG_RING_SIZE ? ring_end - LOG_RING_SIZE : 0;
	bool cleared = *pos < ring_start && *pos >= oldest;
	if (oldest < ring_start)
		oldest = ring_start;
	if (*pos < oldest && !cleared) {
		if (size >= sizeof(marker) - 1) {
			memcpy(buf, marker, sizeof(marker) - 1);
			out = sizeof(marker) - 1;
		}
		*pos = oldest;
	}
	if (*pos < oldest)
		*pos = oldest;
	if (*pos > ring_end)
		*pos = ring_end;
	while (out < size && *pos < ring_end) {
		buf[out++] = ring[*pos & (LOG_RING_SIZE - 1)];
		(*pos)++;
	}
	spin_unlock_irqrestore(&log_lock, f);
	return out;
}

void log_store_panic(const char *s, size_t len)
{
	for (unsigned tries = 0; tries < 1000; tries++) {
		if (spin_trylock(&log_lock)) {
			ring_put(s, len);
			spin_unlock(&log_lock);
			return;
		}
		cpu_relax();
	}
}

void log_clear(void)
{
	uint64_t f = spin_lock_irqsave(&log_lock);
	/* Readers' positions stay valid: clearing moves "oldest" to the end; a
	 * reader behind it skips the cleared text without a truncation marker. */
	ring_start = ring_end;
	spin_unlock_irqrestore(&log_lock, f);
}
