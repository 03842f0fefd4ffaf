/* lineedit.c - the shell's line editor (see lineedit.h). Pure.
 *
 * Terminal handling: the cursor moves left with BS (0x08) and right by
 * re-sending the character under it; "ESC [ K" erases to the end of the
 * line (ECMA-48 §8.3.41, EL). Keys: ESC [ A/B/C/D (and ESC O A-D, the
 * application-cursor form) up/down/right/left, ESC [ H/F and ESC [ 1~/4~
 * home/end, ESC [ 3 ~ delete (ECMA-48 / xterm). */
#include <plinth/string.h>
#include "lineedit.h"

#define KEY_CTRL_A 0x01
#define KEY_CTRL_C 0x03
#define KEY_CTRL_E 0x05
#define KEY_BS     0x08
#define KEY_CTRL_U 0x15
#define KEY_ESC    0x1B
#define KEY_DEL    0x7F

static void emit(struct lineedit *le, const char *s, size_t n)
{
	if (n)
		le->emit(le->ctx, s, n);
}

static void emit_c(struct lineedit *le, char c)
{
	emit(le, &c, 1);
}

static void back(struct lineedit *le, unsigned n)
{
	while (n--)
		emit_c(le, '\b');
}

void le_reset(struct lineedit *le)
{
	le->len = le->cur = 0;
	le->line[0] = 0;
	le->overflow = le->noise = false;
	le->esc_len = 0;
	le->hist_view = 0;
}

void le_init(struct lineedit *le, le_emit_fn emit_fn, void *ctx)
{
	memset(le, 0, sizeof(*le));
	le->emit = emit_fn;
	le->ctx = ctx;
	le_reset(le);
}

void le_redraw(struct lineedit *le)
{
	emit(le, le->line, le->len);
	back(le, le->len - le->cur);
}

/* Replace the whole line with text (history browsing). */
static void replace_line(struct lineedit *le, const char *text)
{
	unsigned old = le->len;

	back(le, le->cur);
	str_copy(le->line, text, sizeof(le->line));
	le->len = le->cur = (unsigned)strlen(le->line);
	emit(le, le->line, le->len);
	if (old > le->len)
		emit(le, "\x1b[K", 3);
}

static void insert(struct lineedit *le, char c)
{
	if (le->len == LE_MAX) {
		le->overflow = true;
		return;
	}
	memmove(le->line + le->cur + 1, le->line + le->cur, le->len - le->cur + 1);
	le->line[le->cur] = c;
	le->len++;
	emit(le, le->line + le->cur, le->len - le->cur);
	le->cur++;
	back(le, le->len - le->cur);
}

/* Remove the character at pos (< len) and show the rest of the line again. */
static void remove_at(struct lineedit *le, unsigned pos)
{
	memmove(le->line + pos, le->line + pos + 1, le->len - pos);
	le->len--;
	emit(le, le->line + le->cur, le->len - le->cur);
	emit_c(le, ' ');
	back(le, le->len - le->cur + 1);
}

static void backspace(struct lineedit *le)
{
	if (le->cur == 0)
		return;
	le->cur--;
	emit_c(le, '\b');
	remove_at(le, le->cur);
}

static void move_left(struct lineedit *le)
{
	if (le->cur > 0) {
		le->cur--;
		emit_c(le, '\b');
	}
}

static void move_right(struct lineedit *le)
{
	if (le->cur < le->len)
		emit_c(le, le->line[le->cur++]);
}

static void home(struct lineedit *le)
{
	back(le, le->cur);
	le->cur = 0;
}

static void end(struct lineedit *le)
{
	emit(le, le->line + le->cur, le->len - le->cur);
	le->cur = le->len;
}

static const char *history_entry(const struct lineedit *le, unsigned k)
{
	/* k = 1 is the newest line. */
	return le->history[(le->hist_next + LE_HISTORY - k) % LE_HISTORY];
}

static void history_up(struct lineedit *le)
{
	if (le->hist_view == le->hist_count)
		return;
	if (le->hist_view == 0)
		str_copy(le->draft, le->line, sizeof(le->draft));
	le->hist_view++;
	replace_line(le, history_entry(le, le->hist_view));
}

static void history_down(struct lineedit *le)
{
	if (le->hist_view == 0)
		return;
	le->hist_view--;
	replace_line(le, le->hist_view ? history_entry(le, le->hist_view) : le->draft);
}

static void history_add(struct lineedit *le)
{
	if (le->len == 0 || le->overflow || le->noise)
		return;
	if (le->hist_count && strcmp(history_entry(le, 1), le->line) == 0)
		return;   /* the same command again: keep one copy */
	str_copy(le->history[le->hist_next], le->line, sizeof(le->history[0]));
	le->hist_next = (le->hist_next + 1) % LE_HISTORY;
	if (le->hist_count < LE_HISTORY)
		le->hist_count++;
}

/* An escape sequence is complete at its final byte (0x40-0x7E after
 * "ESC [" or "ESC O"); act on the ones that are keys, ignore the rest. */
static void escape_done(struct lineedit *le)
{
	const uint8_t *e = le->esc;
	unsigned n = le->esc_len;
	uint8_t final = e[n - 1];

	le->esc_len = 0;
	if (n == 3) {
		switch (final) {
		case 'A': history_up(le); return;
		case 'B': history_down(le); return;
		case 'C': move_right(le); return;
		case 'D': move_left(le); return;
		case 'H': home(le); return;
		case 'F': end(le); return;
		default: return;
		}
	}
	if (n == 4 && e[1] == '[' && final == '~') {
		switch (e[2]) {
		case '1': case '7': home(le); return;
		case '4': case '8': end(le); return;
		case '3':
			if (le->cur < le->len)
				remove_at(le, le->cur);
			return;
		default: return;
		}
	}
}

static void escape_byte(struct lineedit *le, uint8_t c)
{
	if (le->esc_len == 1) {
		if (c == '[' || c == 'O') {
			le->esc[le->esc_len++] = c;
			return;
		}
		/* ESC followed by anything else: not a key we know. */
		le->esc_len = 0;
		le->noise = true;
		return;
	}
	if (c < 0x20 || c > 0x7E || le->esc_len == sizeof(le->esc)) {
		le->esc_len = 0;   /* not a well-formed sequence */
		le->noise = true;
		return;
	}
	le->esc[le->esc_len++] = c;
	if (c >= 0x40)
		escape_done(le);
}

enum le_result le_feed(struct lineedit *le, uint8_t c)
{
	bool was_cr = le->last_cr;

	le->last_cr = c == '\r';
	if (le->esc_len) {
		escape_byte(le, c);
		return LE_NONE;
	}
	switch (c) {
	case '\n':
		if (was_cr)
			return LE_NONE;   /* the LF of a CR LF pair */
		/* fall through */
	case '\r':
		le->line[le->len] = 0;
		history_add(le);
		emit(le, "\r\n", 2);
		return LE_LINE;
	case KEY_BS:
	case KEY_DEL:
		backspace(le);
		return LE_NONE;
	case KEY_ESC:
		le->esc[0] = c;
		le->esc_len = 1;
		return LE_NONE;
	case KEY_CTRL_A:
		home(le);
		return LE_NONE;
	case KEY_CTRL_E:
		end(le);
		return LE_NONE;
	case KEY_CTRL_U:
		home(le);
		emit(le, "\x1b[K", 3);
		le->len = 0;
		le->line[0] = 0;
		return LE_NONE;
	case KEY_CTRL_C:
		emit(le, "^C\r\n", 4);
		return LE_CANCEL;
	case '\t':
		insert(le, ' ');
		return LE_NONE;
	default:
		if (c < 0x20 || c > 0x7E) {
			le->noise = true;
			return LE_NONE;
		}
		insert(le, (char)c);
		return LE_NONE;
	}
}
