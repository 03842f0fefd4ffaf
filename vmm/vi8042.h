/* vi8042.h - the 8042 keyboard controller of a PC with a PS/2 keyboard on
 * its first port and a PS/2 mouse on its auxiliary port (pure model,
 * host-tested in tests/unit/test_vi8042.c). References: IBM Personal
 * Computer AT Technical Reference (1984), "Keyboard Controller" (status
 * register, command byte, controller commands, output port) and
 * "Keyboard" (keyboard commands and responses); IBM PS/2 Hardware
 * Interface Technical Reference, "Keyboard/Auxiliary Device Controller"
 * (the auxiliary port, commands 0xA7-0xA9, 0xD2-0xD4, and the mouse
 * commands); summarised on the OSDev wiki pages "8042 PS/2 Controller",
 * "PS/2 Keyboard" and "PS/2 Mouse".
 *   0x60 read   the output buffer (clears OBF; the next queued device
 *               byte, if any, moves in)
 *   0x60 write  a controller command's data byte, else a byte for the
 *               keyboard
 *   0x64 read   the status register
 *   0x64 write  a controller command
 * Bytes a device sends wait in that device's queue until the controller's
 * one-byte output buffer is empty and the device's port is enabled (the
 * command byte's disable bits), as the real controller holds the clock
 * line low. Keyboard bytes are translated to scan code set 1 while the
 * command byte's XLATE bit is set. IRQ 1 is high while the output buffer
 * holds a keyboard byte and the command byte enables it, IRQ 12 likewise
 * for a mouse byte (the controller's OBF outputs drive the lines).
 * No keys are ever pressed and the mouse never moves: the VM has no input
 * source; the devices answer their commands as real ones do. */
#ifndef VMM_VI8042_H
#define VMM_VI8042_H

#include <plinth/compiler.h>

#define VI8042_DATA   0x60
#define VI8042_STATUS 0x64     /* read: status; write: command */

/* Status register (AT Technical Reference, "Status Register"). */
#define VI8042_STS_OBF    BIT(0)   /* output buffer full */
#define VI8042_STS_IBF    BIT(1)   /* input buffer full (always 0: writes complete at once) */
#define VI8042_STS_SYS    BIT(2)   /* system flag (command byte bit 2) */
#define VI8042_STS_CMD    BIT(3)   /* A2: the last write was a command (port 0x64) */
#define VI8042_STS_UNLOCK BIT(4)   /* keyboard not inhibited (keylock switch) */
#define VI8042_STS_AUXOBF BIT(5)   /* the output buffer's byte is from the aux port */

/* Command byte, controller RAM byte 0 ("Command Byte"). */
#define VI8042_CTR_KBDINT BIT(0)   /* IRQ 1 on a keyboard byte */
#define VI8042_CTR_AUXINT BIT(1)   /* IRQ 12 on an aux byte */
#define VI8042_CTR_SYS    BIT(2)
#define VI8042_CTR_KBDDIS BIT(4)
#define VI8042_CTR_AUXDIS BIT(5)
#define VI8042_CTR_XLATE  BIT(6)

/* Output port (read by 0xD0, written by 0xD1). */
#define VI8042_OUT_RESET  BIT(0)   /* 0: the CPU reset line is asserted */
#define VI8042_OUT_A20    BIT(1)
#define VI8042_OUT_KBDOBF BIT(4)   /* IRQ 1 output */
#define VI8042_OUT_AUXOBF BIT(5)   /* IRQ 12 output */

#define VI8042_QUEUE_LEN 16        /* a keyboard's buffer (AT Technical Reference) */
#define VI8042_RAM_LEN   32        /* controller RAM bytes reached by 0x20-0x3F / 0x60-0x7F */

/* IRQ lines, as returned by vi8042_irq_lines(). */
#define VI8042_IRQ1  BIT(0)
#define VI8042_IRQ12 BIT(1)

/* A PS/2 device's queue of bytes for the controller. */
struct vi8042_queue {
	uint8_t data[VI8042_QUEUE_LEN];
	uint8_t head, count;
};

struct vi8042_kbd {
	struct vi8042_queue q;
	uint8_t pending;       /* command awaiting its argument byte (0xED/0xF0/0xF3), 0 none */
	uint8_t last_sent;     /* for 0xFE (resend) */
	bool scanning;         /* 0xF4 enabled / 0xF5 disabled */
	uint8_t scan_set;      /* 1-3 (0xF0) */
	uint8_t leds;          /* 0xED */
	uint8_t typematic;     /* 0xF3 */
};

struct vi8042_mouse {
	struct vi8042_queue q;
	uint8_t pending;       /* 0xE8/0xF3 awaiting the argument, 0 none */
	bool streaming;        /* data reporting on (0xF4) */
	bool remote;           /* remote mode (0xF0) vs stream mode (0xEA) */
	bool wrap;             /* wrap (echo) mode (0xEE until 0xEC or 0xFF) */
	bool scaling21;        /* 2:1 scaling (0xE7) */
	uint8_t resolution;    /* 0-3 (0xE8) */
	uint8_t sample_rate;   /* samples/s (0xF3) */
};

struct vi8042 {
	uint8_t ram[VI8042_RAM_LEN];   /* ram[0] is the command byte */
	uint8_t out;                   /* the output buffer (stale once read) */
	bool obf;                      /* out holds an unread byte */
	bool out_aux;                  /* ... which came from the aux port */
	bool last_was_cmd;             /* status A2 */
	uint8_t out_port;              /* output port bits 0-3, 6-7 */
	uint8_t pending;               /* controller command awaiting a data byte, 0 none */
	struct vi8042_kbd kbd;
	struct vi8042_mouse mouse;
	uint32_t dropped;              /* device bytes lost to a full queue */
	uint32_t unknown;              /* unknown commands seen (the first is logged) */
};

/* The state firmware leaves after its POST: self-test passed (SYS),
 * translation on, keyboard interrupt on, aux port disabled (as SeaBIOS
 * leaves it), A20 on, devices reset and idle. */
void vi8042_init(struct vi8042 *c);
/* A guest read of port 0x60 or 0x64 (others read 0xFF). */
uint8_t vi8042_read(struct vi8042 *c, uint16_t port);
/* A guest write of port 0x60 or 0x64 (others ignored). Returns true if it
 * asserts the CPU reset line (output port bit 0 pulsed by 0xF0-0xFF or
 * written 0 by 0xD1): the caller resets the VM. */
bool vi8042_write(struct vi8042 *c, uint16_t port, uint8_t val);
/* The IRQ lines now (VI8042_IRQ1 | VI8042_IRQ12 bits). */
unsigned vi8042_irq_lines(const struct vi8042 *c);

#endif
