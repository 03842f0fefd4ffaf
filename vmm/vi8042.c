/* vi8042.c - the 8042 keyboard controller with a PS/2 keyboard and mouse
 * (see vi8042.h for the references and the model). Every architectural
 * rule below names the part of the IBM AT / PS/2 technical references it
 * follows. */
#include <plinth/log.h>
#include <plinth/string.h>
#include "vi8042.h"

/* Controller commands written to port 0x64 (AT Technical Reference,
 * "Commands (I/O Address Hex 64)"; PS/2 additions 0xA7-0xA9, 0xD2-0xD4). */
#define CMD_READ_RAM      0x20   /* 0x20-0x3F: read RAM byte (cmd & 0x1F) */
#define CMD_WRITE_RAM     0x60   /* 0x60-0x7F: write RAM byte (cmd & 0x1F) */
#define CMD_AUX_DISABLE   0xA7
#define CMD_AUX_ENABLE    0xA8
#define CMD_AUX_TEST      0xA9   /* aux interface test: 0x00 = no error */
#define CMD_SELF_TEST     0xAA   /* 0x55 = passed */
#define CMD_KBD_TEST      0xAB   /* keyboard interface test: 0x00 = no error */
#define CMD_KBD_DISABLE   0xAD
#define CMD_KBD_ENABLE    0xAE
#define CMD_READ_INPUT    0xC0
#define CMD_READ_OUTPUT   0xD0
#define CMD_WRITE_OUTPUT  0xD1
#define CMD_WRITE_KBD_OUT 0xD2   /* next byte appears as if from the keyboard */
#define CMD_WRITE_AUX_OUT 0xD3   /* ... as if from the aux device */
#define CMD_WRITE_AUX     0xD4   /* next byte goes to the aux device */
#define CMD_PULSE         0xF0   /* 0xF0-0xFF: pulse output bits 3:0 that are 0 in the command */

#define SELF_TEST_OK      0x55
#define IFACE_TEST_OK     0x00
/* Input port: bit 7 keyboard not inhibited (keylock), bit 5 no
 * manufacturing jumper; the others (display type, board RAM) are 0. */
#define INPUT_PORT        0xA0

/* Device responses (AT Technical Reference "Keyboard", "Commands from the
 * Keyboard"; PS/2 "Pointing Device"). */
#define DEV_ACK           0xFA
#define DEV_RESEND        0xFE
#define DEV_BAT_OK        0xAA   /* basic assurance test passed */
#define DEV_ECHO          0xEE

/* Keyboard commands ("Commands (System to Keyboard)"). */
#define KBD_SET_LEDS      0xED
#define KBD_ECHO          0xEE
#define KBD_SCAN_SET      0xF0
#define KBD_IDENTIFY      0xF2
#define KBD_TYPEMATIC     0xF3
#define KBD_ENABLE        0xF4
#define KBD_DEFAULT_DIS   0xF5
#define KBD_SET_DEFAULT   0xF6
#define KBD_SET3_ALL_FIRST 0xF7  /* 0xF7-0xFA: set-3 all-key modes, no argument */
#define KBD_SET3_ALL_LAST 0xFA
#define KBD_RESEND        0xFE
#define KBD_RESET         0xFF
#define KBD_FIRST_CMD     0xED   /* bytes from here on are commands, never arguments */
#define KBD_ID_0          0xAB   /* MF2 keyboard identification */
#define KBD_ID_1          0x83
#define KBD_TYPEMATIC_DEFAULT 0x2B   /* 10.9 characters/s, 500 ms delay */

/* Mouse commands (PS/2 "Pointing Device"; OSDev "PS/2 Mouse"). */
#define AUX_SCALING_1_1   0xE6
#define AUX_SCALING_2_1   0xE7
#define AUX_RESOLUTION    0xE8
#define AUX_STATUS        0xE9
#define AUX_STREAM        0xEA
#define AUX_READ_DATA     0xEB
#define AUX_WRAP_OFF      0xEC
#define AUX_WRAP_ON       0xEE
#define AUX_REMOTE        0xF0
#define AUX_IDENTIFY      0xF2
#define AUX_SAMPLE_RATE   0xF3
#define AUX_ENABLE        0xF4
#define AUX_DISABLE       0xF5
#define AUX_SET_DEFAULT   0xF6
#define AUX_RESEND        0xFE
#define AUX_RESET         0xFF
#define AUX_ID            0x00   /* a standard PS/2 mouse */
#define AUX_PACKET_BIT3   0x08   /* bit 3 of a movement packet's first byte is 1 */

static void note_unknown(struct vi8042 *c, const char *what, uint8_t val, const char *answer)
{
	/* A guest probing for devices plinth lacks must not flood the log. */
	if (!c->unknown++)
		pr_warn("vi8042: unknown %s 0x%02x, %s (further unknown commands are not logged)",
			what, val, answer);
}

/* ---- device queues ---- */

static void queue_push(struct vi8042 *c, struct vi8042_queue *q, uint8_t b)
{
	if (q->count == VI8042_QUEUE_LEN) {
		/* The guest keeps commanding without reading the answers. */
		if (!c->dropped++)
			pr_warn("vi8042: a PS/2 device's queue is full; byte 0x%02x dropped", b);
		return;
	}
	q->data[(q->head + q->count) % VI8042_QUEUE_LEN] = b;
	q->count++;
}

static uint8_t queue_pop(struct vi8042_queue *q)
{
	uint8_t b = q->data[q->head];

	q->head = (uint8_t)((q->head + 1) % VI8042_QUEUE_LEN);
	q->count--;
	return b;
}

static void queue_clear(struct vi8042_queue *q)
{
	q->head = q->count = 0;
}

static void kbd_send(struct vi8042 *c, uint8_t b)
{
	c->kbd.last_sent = b;
	queue_push(c, &c->kbd.q, b);
}

/* Scan code set 2 -> set 1 translation of the controller (AT Technical
 * Reference, "Command Byte" bit 6; PS/2 keyboard controller "scan code
 * translation"), for the bytes this keyboard can send: it has no keys
 * that are ever pressed, so only its command answers pass here. The
 * answers 0xAA, 0xAB, 0xEE, 0xFA and 0xFE translate to themselves; the
 * identification's 0x83 and the scan code set numbers 1-3 are set-2
 * codes (F7, F9, F5 keys' positions) and become 0x41, 0x43, 0x41, 0x3F. */
static uint8_t translate(uint8_t b)
{
	switch (b) {
	case 0x01: return 0x43;
	case 0x02: return 0x41;
	case 0x03: return 0x3F;
	case 0x83: return 0x41;
	default:   return b;
	}
}

/* Move the next device byte into an empty output buffer: the keyboard
 * first, each only while its port is enabled (a disabled port's clock
 * line is held low, so its device keeps the byte). */
static void refill(struct vi8042 *c)
{
	uint8_t ctr = c->ram[0];

	if (c->obf)
		return;
	if (!(ctr & VI8042_CTR_KBDDIS) && c->kbd.q.count) {
		uint8_t b = queue_pop(&c->kbd.q);
		c->out = ctr & VI8042_CTR_XLATE ? translate(b) : b;
		c->out_aux = false;
		c->obf = true;
	} else if (!(ctr & VI8042_CTR_AUXDIS) && c->mouse.q.count) {
		c->out = queue_pop(&c->mouse.q);
		c->out_aux = true;
		c->obf = true;
	}
}

/* A byte from the controller itself (or 0xD2/0xD3): it replaces whatever
 * the output buffer held. */
static void put_out(struct vi8042 *c, uint8_t b, bool aux)
{
	c->out = b;
	c->out_aux = aux;
	c->obf = true;
}

/* ---- the keyboard ---- */

static void kbd_defaults(struct vi8042_kbd *k)
{
	k->pending = 0;
	k->scan_set = 2;
	k->leds = 0;
	k->typematic = KBD_TYPEMATIC_DEFAULT;
}

/* The argument byte of k->pending; false if val is not a valid one. */
static bool kbd_argument(struct vi8042 *c, uint8_t val)
{
	struct vi8042_kbd *k = &c->kbd;

	switch (k->pending) {
	case KBD_SET_LEDS:
		if (val > 7)
			return false;
		k->leds = val;
		kbd_send(c, DEV_ACK);
		return true;
	case KBD_TYPEMATIC:
		if (val > 0x7F)
			return false;
		k->typematic = val;
		kbd_send(c, DEV_ACK);
		return true;
	case KBD_SCAN_SET:
		if (val > 3)
			return false;
		kbd_send(c, DEV_ACK);
		if (val)
			k->scan_set = val;
		else
			kbd_send(c, k->scan_set);
		return true;
	}
	return false;
}

/* A byte for the keyboard (AT Technical Reference, "Commands (System to
 * Keyboard)"): bytes 0xED and up are commands even where an argument was
 * expected (the keyboard drops the unfinished command); a bad argument or
 * an unknown command is answered with Resend. */
static void kbd_write(struct vi8042 *c, uint8_t val)
{
	struct vi8042_kbd *k = &c->kbd;

	if (k->pending && val < KBD_FIRST_CMD) {
		if (!kbd_argument(c, val))
			kbd_send(c, DEV_RESEND);
		k->pending = 0;
		return;
	}
	k->pending = 0;
	switch (val) {
	case KBD_SET_LEDS:
	case KBD_SCAN_SET:
	case KBD_TYPEMATIC:
		k->pending = val;
		kbd_send(c, DEV_ACK);
		break;
	case KBD_ECHO:
		kbd_send(c, DEV_ECHO);
		break;
	case KBD_IDENTIFY:
		kbd_send(c, DEV_ACK);
		kbd_send(c, KBD_ID_0);
		kbd_send(c, KBD_ID_1);
		break;
	case KBD_ENABLE:
		/* Enable clears the keyboard's buffer first. */
		queue_clear(&k->q);
		k->scanning = true;
		kbd_send(c, DEV_ACK);
		break;
	case KBD_DEFAULT_DIS:
		kbd_defaults(k);
		k->scanning = false;
		kbd_send(c, DEV_ACK);
		break;
	case KBD_SET_DEFAULT:
		kbd_defaults(k);
		kbd_send(c, DEV_ACK);
		break;
	case KBD_RESEND:
		queue_push(c, &k->q, k->last_sent);
		break;
	case KBD_RESET:
		queue_clear(&k->q);
		kbd_defaults(k);
		k->scanning = true;
		kbd_send(c, DEV_ACK);
		kbd_send(c, DEV_BAT_OK);
		break;
	default:
		if (val >= KBD_SET3_ALL_FIRST && val <= KBD_SET3_ALL_LAST) {
			/* 0xF7-0xFA set every key's set-3 mode: no keys, no effect. */
			kbd_send(c, DEV_ACK);
			break;
		}
		note_unknown(c, "keyboard command", val, "answered Resend");
		kbd_send(c, DEV_RESEND);
	}
}

/* ---- the mouse ---- */

static void mouse_defaults(struct vi8042_mouse *m)
{
	m->pending = 0;
	m->streaming = false;
	m->remote = false;
	m->scaling21 = false;
	m->resolution = 2;     /* 4 counts/mm */
	m->sample_rate = 100;
}

static bool valid_sample_rate(uint8_t r)
{
	static const uint8_t rates[] = { 10, 20, 40, 60, 80, 100, 200 };

	for (unsigned i = 0; i < ARRAY_SIZE(rates); i++)
		if (rates[i] == r)
			return true;
	return false;
}

/* A byte for the mouse (PS/2 "Pointing Device" commands): in wrap mode
 * every byte but Reset and Reset Wrap Mode is echoed; an argument byte
 * follows 0xE8 and 0xF3. */
static void mouse_write(struct vi8042 *c, uint8_t val)
{
	struct vi8042_mouse *m = &c->mouse;
	struct vi8042_queue *q = &m->q;

	if (m->wrap && val != AUX_WRAP_OFF && val != AUX_RESET) {
		queue_push(c, q, val);
		return;
	}
	if (m->pending) {
		bool ok = m->pending == AUX_RESOLUTION ? val <= 3 : valid_sample_rate(val);

		if (ok && m->pending == AUX_RESOLUTION)
			m->resolution = val;
		else if (ok)
			m->sample_rate = val;
		m->pending = 0;
		queue_push(c, q, ok ? DEV_ACK : DEV_RESEND);
		return;
	}
	switch (val) {
	case AUX_RESOLUTION:
	case AUX_SAMPLE_RATE:
		m->pending = val;
		queue_push(c, q, DEV_ACK);
		break;
	case AUX_SCALING_1_1:
	case AUX_SCALING_2_1:
		m->scaling21 = val == AUX_SCALING_2_1;
		queue_push(c, q, DEV_ACK);
		break;
	case AUX_STATUS:
		queue_push(c, q, DEV_ACK);
		/* Status byte: bit 6 remote mode, 5 enabled, 4 scaling 2:1,
		 * 2-0 buttons (none pressed). */
		queue_push(c, q, (uint8_t)((m->remote ? BIT(6) : 0) | (m->streaming ? BIT(5) : 0) |
					   (m->scaling21 ? BIT(4) : 0)));
		queue_push(c, q, m->resolution);
		queue_push(c, q, m->sample_rate);
		break;
	case AUX_STREAM:
	case AUX_REMOTE:
		m->remote = val == AUX_REMOTE;
		queue_push(c, q, DEV_ACK);
		break;
	case AUX_READ_DATA:
		/* One movement packet: no buttons, no motion. */
		queue_push(c, q, DEV_ACK);
		queue_push(c, q, AUX_PACKET_BIT3);
		queue_push(c, q, 0);
		queue_push(c, q, 0);
		break;
	case AUX_WRAP_OFF:
	case AUX_WRAP_ON:
		m->wrap = val == AUX_WRAP_ON;
		queue_push(c, q, DEV_ACK);
		break;
	case AUX_IDENTIFY:
		queue_push(c, q, DEV_ACK);
		queue_push(c, q, AUX_ID);
		break;
	case AUX_ENABLE:
	case AUX_DISABLE:
		m->streaming = val == AUX_ENABLE;
		queue_push(c, q, DEV_ACK);
		break;
	case AUX_SET_DEFAULT:
		mouse_defaults(m);
		queue_push(c, q, DEV_ACK);
		break;
	case AUX_RESEND:
		/* Nothing is ever half-sent here: resend the last packet,
		 * which is no motion. */
		queue_push(c, q, AUX_PACKET_BIT3);
		queue_push(c, q, 0);
		queue_push(c, q, 0);
		break;
	case AUX_RESET:
		queue_clear(q);
		mouse_defaults(m);
		m->wrap = false;
		queue_push(c, q, DEV_ACK);
		queue_push(c, q, DEV_BAT_OK);
		queue_push(c, q, AUX_ID);
		break;
	default:
		note_unknown(c, "mouse command", val, "answered Resend");
		queue_push(c, q, DEV_RESEND);
	}
}

/* ---- the controller ---- */

void vi8042_init(struct vi8042 *c)
{
	memset(c, 0, sizeof(*c));
	c->ram[0] = VI8042_CTR_KBDINT | VI8042_CTR_SYS | VI8042_CTR_AUXDIS | VI8042_CTR_XLATE;
	c->out_port = VI8042_OUT_RESET | VI8042_OUT_A20;
	c->kbd.scanning = true;
	kbd_defaults(&c->kbd);
	mouse_defaults(&c->mouse);
}

static uint8_t status(const struct vi8042 *c)
{
	uint8_t s = VI8042_STS_UNLOCK;

	if (c->obf)
		s |= VI8042_STS_OBF | (c->out_aux ? VI8042_STS_AUXOBF : 0);
	if (c->ram[0] & VI8042_CTR_SYS)
		s |= VI8042_STS_SYS;
	if (c->last_was_cmd)
		s |= VI8042_STS_CMD;
	return s;
}

uint8_t vi8042_read(struct vi8042 *c, uint16_t port)
{
	uint8_t v;

	if (port == VI8042_STATUS)
		return status(c);
	if (port != VI8042_DATA)
		return 0xFF;
	/* An empty output buffer reads its stale byte, as the real latch. */
	v = c->out;
	c->obf = false;
	refill(c);
	return v;
}

/* A controller command (port 0x64). True if it resets the CPU. */
static bool controller_command(struct vi8042 *c, uint8_t cmd)
{
	/* A command abandons one still waiting for its data byte. */
	c->pending = 0;
	if (cmd >= CMD_READ_RAM && cmd < CMD_READ_RAM + VI8042_RAM_LEN) {
		put_out(c, c->ram[cmd - CMD_READ_RAM], false);
		return false;
	}
	if ((cmd >= CMD_WRITE_RAM && cmd < CMD_WRITE_RAM + VI8042_RAM_LEN) ||
	    cmd == CMD_WRITE_OUTPUT || cmd == CMD_WRITE_KBD_OUT || cmd == CMD_WRITE_AUX_OUT ||
	    cmd == CMD_WRITE_AUX) {
		c->pending = cmd;
		return false;
	}
	if (cmd >= CMD_PULSE)
		/* Bit 0 of the output port is the CPU reset line. */
		return !(cmd & VI8042_OUT_RESET);
	switch (cmd) {
	case CMD_AUX_DISABLE:
		c->ram[0] |= VI8042_CTR_AUXDIS;
		break;
	case CMD_AUX_ENABLE:
		c->ram[0] &= (uint8_t)~VI8042_CTR_AUXDIS;
		break;
	case CMD_AUX_TEST:
	case CMD_KBD_TEST:
		put_out(c, IFACE_TEST_OK, false);
		break;
	case CMD_SELF_TEST:
		/* A passed self-test sets the system flag. */
		c->ram[0] |= VI8042_CTR_SYS;
		put_out(c, SELF_TEST_OK, false);
		break;
	case CMD_KBD_DISABLE:
		c->ram[0] |= VI8042_CTR_KBDDIS;
		break;
	case CMD_KBD_ENABLE:
		c->ram[0] &= (uint8_t)~VI8042_CTR_KBDDIS;
		break;
	case CMD_READ_INPUT:
		put_out(c, INPUT_PORT, false);
		break;
	case CMD_READ_OUTPUT:
		/* Bits 4 and 5 are the OBF outputs that drive IRQ 1 and 12. */
		put_out(c, (uint8_t)((c->out_port & ~(VI8042_OUT_KBDOBF | VI8042_OUT_AUXOBF)) |
				     (c->obf && !c->out_aux ? VI8042_OUT_KBDOBF : 0) |
				     (c->obf && c->out_aux ? VI8042_OUT_AUXOBF : 0)), false);
		break;
	default:
		note_unknown(c, "8042 command", cmd, "ignored");
	}
	return false;
}

/* The data byte of command c->pending (port 0x60). True if it resets. */
static bool controller_data(struct vi8042 *c, uint8_t cmd, uint8_t val)
{
	switch (cmd) {
	case CMD_WRITE_OUTPUT:
		/* A20 stays on: the guest's address space has no A20 gate
		 * (nor do processors since Haswell, which dropped A20M#). */
		c->out_port = (uint8_t)(val | VI8042_OUT_A20);
		return !(val & VI8042_OUT_RESET);
	case CMD_WRITE_KBD_OUT:
		put_out(c, val, false);
		return false;
	case CMD_WRITE_AUX_OUT:
		put_out(c, val, true);
		return false;
	case CMD_WRITE_AUX:
		/* Sending to a device releases its disabled clock line. */
		c->ram[0] &= (uint8_t)~VI8042_CTR_AUXDIS;
		mouse_write(c, val);
		return false;
	default:   /* CMD_WRITE_RAM + n */
		c->ram[cmd - CMD_WRITE_RAM] = val;
		return false;
	}
}

bool vi8042_write(struct vi8042 *c, uint16_t port, uint8_t val)
{
	bool reset = false;
	uint8_t cmd = c->pending;

	if (port == VI8042_STATUS) {
		c->last_was_cmd = true;
		reset = controller_command(c, val);
	} else if (port == VI8042_DATA) {
		c->last_was_cmd = false;
		c->pending = 0;
		if (cmd) {
			reset = controller_data(c, cmd, val);
		} else {
			/* Sending to the keyboard releases its disabled
			 * clock line, as 0xD4 does for the mouse. */
			c->ram[0] &= (uint8_t)~VI8042_CTR_KBDDIS;
			kbd_write(c, val);
		}
	}
	refill(c);
	return reset;
}

unsigned vi8042_irq_lines(const struct vi8042 *c)
{
	if (!c->obf)
		return 0;
	if (c->out_aux)
		return c->ram[0] & VI8042_CTR_AUXINT ? VI8042_IRQ12 : 0;
	return c->ram[0] & VI8042_CTR_KBDINT ? VI8042_IRQ1 : 0;
}
