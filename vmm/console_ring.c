/* console_ring.c - a VM's recent console output (see console_ring.h). Pure. */
#include <plinth/printf.h>
#include <plinth/string.h>
#include "console_ring.h"

_Static_assert((CONSOLE_RING_SIZE & (CONSOLE_RING_SIZE - 1)) == 0, "ring size a power of two");

#define RING_MASK ((uint64_t)CONSOLE_RING_SIZE - 1)

void console_ring_init(struct console_ring *r)
{
	r->end = 0;
}

void console_ring_put(struct console_ring *r, const char *s, size_t len)
{
	/* Only the last SIZE bytes of a huge write can survive it. */
	if (len > CONSOLE_RING_SIZE) {
		r->end += len - CONSOLE_RING_SIZE;
		s += len - CONSOLE_RING_SIZE;
		len = CONSOLE_RING_SIZE;
	}
	for (size_t i = 0; i < len; i++)
		r->buf[(r->end + i) & RING_MASK] = s[i];
	r->end += len;
}

uint64_t console_ring_oldest(const struct console_ring *r)
{
	return r->end > CONSOLE_RING_SIZE ? r->end - CONSOLE_RING_SIZE : 0;
}

size_t console_ring_read(const struct console_ring *r, uint64_t *pos, char *buf, size_t size)
{
	uint64_t oldest = console_ring_oldest(r);
	size_t out = 0;

	if (*pos > r->end)
		*pos = r->end;
	if (*pos < oldest) {
		char marker[48];
		int n = ksnprintf(marker, sizeof(marker), "\n...%llu bytes dropped...\n",
				  (unsigned long long)(oldest - *pos));
		/* The marker is all or nothing: a reader must not mistake half
		 * of it for guest output. Without room it is skipped silently. */
		if (n > 0 && (size_t)n <= size) {
			memcpy(buf, marker, (size_t)n);
			out = (size_t)n;
		}
		*pos = oldest;
	}
	while (out < size && *pos < r->end) {
		buf[out++] = r->buf[*pos & RING_MASK];
		(*pos)++;
	}
	return out;
}

uint64_t console_ring_replay_start(const struct console_ring *r, size_t max_bytes)
{
	uint64_t oldest = console_ring_oldest(r);
	uint64_t from = r->end - MIN((uint64_t)max_bytes, r->end - oldest);

	if (from == oldest && oldest == 0)
		return 0;   /* everything the VM ever printed fits: replay it all */
	/* Start after the first newline at or past from, unless that newline
	 * is the last byte (then nothing of a line would be replayed). */
	for (uint64_t p = from; p + 1 < r->end; p++)
		if (r->buf[p & RING_MASK] == '\n')
			return p + 1;
	return from;
}
