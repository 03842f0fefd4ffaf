/* console_ring.h - a VM's console output as plinth keeps it: the last
 * 64 KiB its UART transmitted, addressed by absolute byte positions so a
 * reader (the console domain's `console NAME`, the "[NAME] line" mirror)
 * resumes where it stopped and learns what it missed. Pure (host-tested in
 * tests/unit/test_console_ring.c); the per-VM wrapper in vmm/dev_uart.c
 * adds the lock. */
#ifndef VMM_CONSOLE_RING_H
#define VMM_CONSOLE_RING_H

#include <plinth/compiler.h>

#define CONSOLE_RING_SIZE (64 * 1024)   /* a power of two */

struct console_ring {
	uint64_t end;                     /* absolute position of the next byte */
	char buf[CONSOLE_RING_SIZE];      /* byte p lives at buf[p % SIZE] */
};

void console_ring_init(struct console_ring *r);
/* Append len bytes; the oldest bytes are overwritten when the ring is full. */
void console_ring_put(struct console_ring *r, const char *s, size_t len);
/* The oldest position still held. */
uint64_t console_ring_oldest(const struct console_ring *r);
/* Copy bytes from *pos into buf[size] and advance *pos. If *pos lies
 * before the oldest byte held (the reader fell behind), the marker
 * "\n...N bytes dropped...\n" is copied first (when it fits) and reading
 * resumes at the oldest byte; a *pos beyond the end is moved to the end.
 * Returns the bytes copied (marker included). */
size_t console_ring_read(const struct console_ring *r, uint64_t *pos, char *buf, size_t size);
/* Where a replay of about max_bytes of recent output should start: the
 * beginning of a line (just after a '\n') at most max_bytes before the
 * end when one exists there, else end - max_bytes (never before the oldest
 * byte). */
uint64_t console_ring_replay_start(const struct console_ring *r, size_t max_bytes);

#endif
