/* lineedit.h - the shell's line editor (console/lineedit.c, pure and
 * host-tested): one line of at most LE_MAX characters with a cursor,
 * backspace and delete, left/right, home/end (Ctrl-A/Ctrl-E, ESC [ H/F),
 * Ctrl-U (kill line), Ctrl-C (cancel), and up/down through the last
 * LE_HISTORY lines. Keys arrive one byte at a time as a VT100/xterm sends
 * them; the editor echoes through the emit function it was given. Bad
 * input is never acted on: bytes past LE_MAX and control or non-ASCII
 * bytes that are not editing keys are dropped and remembered, so the
 * caller can reject the line with one message. */
#ifndef CONSOLE_LINEEDIT_H
#define CONSOLE_LINEEDIT_H

#include <plinth/compiler.h>

#define LE_MAX      255
#define LE_HISTORY  16

typedef void (*le_emit_fn)(void *ctx, const char *s, size_t len);

enum le_result {
	LE_NONE = 0,     /* keep feeding */
	LE_LINE,         /* Enter: the line is in le->line (NUL-terminated) */
	LE_CANCEL,       /* Ctrl-C: the line was abandoned */
};

struct lineedit {
	char line[LE_MAX + 1];
	unsigned len, cur;           /* characters, cursor position (0..len) */
	bool overflow;               /* characters were dropped: the line was too long */
	bool noise;                  /* control/non-ASCII bytes were dropped */
	uint8_t esc[8];              /* an escape sequence being collected */
	unsigned esc_len;            /* 0: none */
	bool last_cr;                /* the previous byte was '\r' (CR LF is one Enter) */
	char history[LE_HISTORY][LE_MAX + 1];
	unsigned hist_count;         /* lines held (<= LE_HISTORY) */
	unsigned hist_next;          /* slot the next line goes to */
	unsigned hist_view;          /* 0: editing; k: showing the k-th newest */
	char draft[LE_MAX + 1];      /* the line being edited while browsing */
	le_emit_fn emit;
	void *ctx;
};

void le_init(struct lineedit *le, le_emit_fn emit, void *ctx);
/* Start a fresh, empty line (after LE_LINE or LE_CANCEL). */
void le_reset(struct lineedit *le);
/* One byte from the terminal. */
enum le_result le_feed(struct lineedit *le, uint8_t c);
/* Print the line again after other output (the caller printed the prompt
 * first); the cursor ends where it was. */
void le_redraw(struct lineedit *le);

#endif
