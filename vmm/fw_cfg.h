/* fw_cfg.h - QEMU's firmware configuration device, I/O-port interface
 * (QEMU docs/specs/fw_cfg.rst "Traditional I/O interface"): a 16-bit
 * selector at port 0x510 picks an item, byte reads from the data port 0x511
 * return the item's bytes one after another. Pure model (host-tested). */
#ifndef VMM_FW_CFG_H
#define VMM_FW_CFG_H

#include <plinth/compiler.h>

#define FW_CFG_PORT_SEL   0x510
#define FW_CFG_PORT_DATA  0x511

/* Item keys (fw_cfg.rst "Selector Register", QEMU include/standard-headers/
 * linux/qemu_fw_cfg.h). */
#define FW_CFG_SIGNATURE  0x00   /* "QEMU" */
#define FW_CFG_ID         0x01   /* interface features: bit 0 traditional, bit 1 DMA */
#define FW_CFG_RAM_SIZE   0x03   /* 64-bit little-endian */
#define FW_CFG_NB_CPUS    0x05   /* 16-bit little-endian */
#define FW_CFG_FILE_DIR   0x19   /* 32-bit big-endian count, then entries */

#define FW_CFG_ITEM_MAX   8      /* bytes of the largest item plinth serves */

struct fw_cfg {
	uint16_t selector;       /* the key last written */
	uint32_t offset;         /* next byte of the selected item */
	uint64_t ram_size;
	uint16_t cpu_count;
};

/* Reset state: key 0 selected at offset 0. */
void fw_cfg_init(struct fw_cfg *f, uint64_t ram_size, uint16_t cpu_count);
/* A write to the selector port: select key, rewind to its first byte. */
void fw_cfg_select(struct fw_cfg *f, uint16_t key);
/* A byte read from the data port: the next byte of the selected item, 0
 * past its end or for a key that does not exist. */
uint8_t fw_cfg_read_byte(struct fw_cfg *f);
/* Port-level access for the VMM's port table (size 1, 2 or 4). The
 * selector port takes 16-bit writes (wider writes use their low 16 bits;
 * a byte write selects the byte's value) and reads as 0; the data port
 * returns size successive item bytes, the first in the low byte. Writes
 * to the data port are ignored (QEMU 2.4+ has no writable items on this
 * interface). Returns 0, or -EINVAL for a port outside 0x510-0x511. */
int fw_cfg_port_in(struct fw_cfg *f, uint16_t port, unsigned size, uint32_t *val);
int fw_cfg_port_out(struct fw_cfg *f, uint16_t port, unsigned size, uint32_t val);

#endif
