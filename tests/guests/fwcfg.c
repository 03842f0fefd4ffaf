/* fwcfg.c - test guest: QEMU's fw_cfg interface as plinth emulates it
 * (vmm/fw_cfg.c): selector port 0x510 (16-bit writes), data port 0x511
 * (byte reads). Checks the signature, the interface ID, the RAM size
 * against the Multiboot memory information, the CPU count, the empty file
 * directory, reads past an item's end and an unknown key. */
#include "guest.h"

#define FW_CFG_SEL  0x510
#define FW_CFG_DATA 0x511

static inline void outw(uint16_t port, uint16_t v) { __asm__ __volatile__("outw %0, %1" :: "a"(v), "Nd"(port)); }

static void fw_select(uint16_t key) { outw(FW_CFG_SEL, key); }

/* n (<= 8) item bytes, little-endian. */
static uint64_t fw_read_le(unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)inb(FW_CFG_DATA) << (8 * i);
	return v;
}

/* Multiboot 1 information (Multiboot 0.6.96 §3.3): flags bit 0 says
 * mem_lower/mem_upper (KiB below 640 KiB / above 1 MiB) are valid. */
struct mb1_info { uint32_t flags, mem_lower, mem_upper; };

uint32_t guest_main(uint32_t magic, uint32_t info)
{
	const struct mb1_info *mbi = (const struct mb1_info *)info;
	char sig[5] = { 0 };
	uint64_t ram, expect_ram;
	uint32_t zeros = 0;

	(void)magic;
	guest_puts("fwcfg guest: QEMU fw_cfg at ports 0x510/0x511\n");

	fw_select(0x0000);
	for (int i = 0; i < 4; i++)
		sig[i] = (char)inb(FW_CFG_DATA);
	guest_check(sig[0] == 'Q' && sig[1] == 'E' && sig[2] == 'M' && sig[3] == 'U',
		    "signature (key 0x00) is \"QEMU\"",
		    (uint32_t)(uint8_t)sig[0] | (uint32_t)(uint8_t)sig[1] << 8 |
		    (uint32_t)(uint8_t)sig[2] << 16 | (uint32_t)(uint8_t)sig[3] << 24);
	guest_check(inb(FW_CFG_DATA) == 0, "a read past the signature's end returns 0", 0);
	fw_select(0x0000);
	guest_check(inb(FW_CFG_DATA) == 'Q', "selecting again rewinds the item", 0);

	fw_select(0x0001);
	{
		uint32_t id = (uint32_t)fw_read_le(4);
		guest_check(id == 1, "interface ID (key 0x01): traditional, no DMA", id);
	}

	fw_select(0x0003);
	ram = fw_read_le(8);
	expect_ram = (mbi->flags & 1) ? ((uint64_t)mbi->mem_upper + 1024) * 1024 : 0;
	guest_check(ram != 0 && ram == expect_ram, "RAM size (key 0x03) matches the Multiboot "
		    "memory information", (uint32_t)(ram >> 10));

	fw_select(0x0005);
	{
		uint32_t cpus = (uint32_t)fw_read_le(2);
		guest_check(cpus == 1, "CPU count (key 0x05) is 1", cpus);
	}

	fw_select(0x0019);
	{
		uint32_t count_be = (uint32_t)fw_read_le(4);
		guest_check(count_be == 0, "file directory (key 0x19) lists 0 files", count_be);
	}

	fw_select(0x0123);
	for (int i = 0; i < 16; i++)
		zeros |= inb(FW_CFG_DATA);
	guest_check(zeros == 0, "an unknown key reads as zeros", zeros);

	/* A 32-bit OUT to the selector uses its low 16 bits. */
	outl(FW_CFG_SEL, 0xABCD0000u);
	guest_check(inb(FW_CFG_DATA) == 'Q', "a 32-bit selector write selects its low 16 bits", 0);

	return guest_summary();
}
