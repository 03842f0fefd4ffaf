/* fw_cfg.c - QEMU's fw_cfg device, traditional I/O-port interface (see
 * fw_cfg.h). Items are generated from the VM's parameters on each read,
 * so the model holds no buffers. */
#include <plinth/log.h>
#include <plinth/string.h>
#include "fw_cfg.h"

void fw_cfg_init(struct fw_cfg *f, uint64_t ram_size, uint16_t cpu_count)
{
	memset(f, 0, sizeof(*f));
	f->ram_size = ram_size;
	f->cpu_count = cpu_count;
}

void fw_cfg_select(struct fw_cfg *f, uint16_t key)
{
	f->selector = key;
	f->offset = 0;
}

static void put_le(uint8_t *buf, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		buf[i] = (uint8_t)(v >> (8 * i));
}

/* Fill buf with the item for key; returns its length, 0 if the key does
 * not exist. Keys with bit 14 (write) or bit 15 (architecture-local) set
 * name no item here (fw_cfg.rst "Selector Register"). */
static unsigned item(const struct fw_cfg *f, uint16_t key, uint8_t buf[FW_CFG_ITEM_MAX])
{
	switch (key) {
	case FW_CFG_SIGNATURE:
		memcpy(buf, "QEMU", 4);
		return 4;
	case FW_CFG_ID:
		/* Bit 0: the traditional interface; bit 1 (DMA) clear. */
		put_le(buf, 1, 4);
		return 4;
	case FW_CFG_RAM_SIZE:
		put_le(buf, f->ram_size, 8);
		return 8;
	case FW_CFG_NB_CPUS:
		put_le(buf, f->cpu_count, 2);
		return 2;
	case FW_CFG_FILE_DIR:
		/* struct FWCfgFiles: a big-endian count, here 0 files. */
		memset(buf, 0, 4);
		return 4;
	default:
		return 0;
	}
}

uint8_t fw_cfg_read_byte(struct fw_cfg *f)
{
	uint8_t buf[FW_CFG_ITEM_MAX];
	unsigned len = item(f, f->selector, buf);

	if (f->offset >= len)
		return 0;
	return buf[f->offset++];
}

int fw_cfg_port_in(struct fw_cfg *f, uint16_t port, unsigned size, uint32_t *val)
{
	*val = 0;
	if (port == FW_CFG_PORT_SEL)
		return 0;
	if (port != FW_CFG_PORT_DATA) {
		pr_warn("fw_cfg: read of port 0x%x, which is not a fw_cfg port", port);
		return -EINVAL;
	}
	for (unsigned i = 0; i < size && i < 4; i++)
		*val |= (uint32_t)fw_cfg_read_byte(f) << (8 * i);
	return 0;
}

int fw_cfg_port_out(struct fw_cfg *f, uint16_t port, unsigned size, uint32_t val)
{
	if (port == FW_CFG_PORT_SEL) {
		fw_cfg_select(f, (uint16_t)(size == 1 ? (val & 0xFF) : (val & 0xFFFF)));
		return 0;
	}
	if (port != FW_CFG_PORT_DATA) {
		pr_warn("fw_cfg: write of port 0x%x, which is not a fw_cfg port", port);
		return -EINVAL;
	}
	return 0;
}
