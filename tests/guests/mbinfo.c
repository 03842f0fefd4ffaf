/* mbinfo.c - test guest: the Multiboot 1 information plinth's loader
 * builds from vms.cfg (vmm/boot.c, vmm/mb1_info.c). Its command line says
 * what to expect: "mods=N mem=M" (N modules, M MiB of RAM); module i
 * (1-based) must hold the text "plinth test module i" and have the string
 * "mod-X.txt" (X = a, b, ...). Built as ELF32 (mbinfo.elf) and converted
 * to ELF64 (mbinfo64.elf) to exercise both loaders. */
#include "guest.h"

#define MB1_LOADER_MAGIC 0x2BADB002u

struct mb1_info {               /* Multiboot 0.6.96 §3.3 */
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline;
	uint32_t mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
	uint32_t drives_length, drives_addr, config_table, boot_loader_name;
};

struct mb1_mod { uint32_t start, end, string, reserved; };

struct mb1_mmap {               /* size is of the rest: base, length, type */
	uint32_t size;
	uint32_t base_lo, base_hi, len_lo, len_hi, type;
} __attribute__((packed));

/* The number after "key=" on the command line, or 0xFFFFFFFF. */
static uint32_t cmdline_number(const char *cmd, const char *key)
{
	for (const char *p = cmd; *p; p++) {
		if (p != cmd && p[-1] != ' ')
			continue;
		const char *k = key, *q = p;
		while (*k && *q == *k) {
			k++;
			q++;
		}
		if (*k || *q != '=')
			continue;
		uint32_t v = 0;
		for (q++; *q >= '0' && *q <= '9'; q++)
			v = v * 10 + (uint32_t)(*q - '0');
		return v;
	}
	return 0xFFFFFFFFu;
}

static bool str_eq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

static bool mem_eq(const void *a, const char *b, uint32_t n)
{
	const char *p = a;
	for (uint32_t i = 0; i < n; i++)
		if (p[i] != b[i])
			return false;
	return true;
}

uint32_t guest_main(uint32_t magic, uint32_t info)
{
	const struct mb1_info *mbi = (const struct mb1_info *)info;
	const char *cmd = (const char *)mbi->cmdline;

	guest_puts("mbinfo guest: checking the Multiboot information\n");
	guest_check(magic == MB1_LOADER_MAGIC, "multiboot magic in EAX", magic);
	guest_check((mbi->flags & 0x24D) == 0x24D, "flags: mem, cmdline, mods, mmap, loader name",
		    mbi->flags);
	guest_puts("command line: ");
	guest_puts(cmd);
	guest_puts("\n");
	uint32_t want_mods = cmdline_number(cmd, "mods"), want_mem = cmdline_number(cmd, "mem");
	guest_check(want_mods != 0xFFFFFFFFu && want_mem != 0xFFFFFFFFu,
		    "command line has mods= and mem=", 0);
	guest_check(mbi->mem_lower == 640, "mem_lower 640 KiB", mbi->mem_lower);
	guest_check(mbi->mem_upper == (want_mem - 1) * 1024, "mem_upper = RAM above 1 MiB",
		    mbi->mem_upper);
	guest_check(str_eq((const char *)mbi->boot_loader_name, "plinth"), "boot loader name", 0);

	/* Memory map: usable low RAM, the reserved legacy hole, usable RAM to
	 * the end; it agrees with mem_upper. */
	uint32_t off = 0, n = 0, usable_top = 0;
	bool hole_reserved = false;
	while (off < mbi->mmap_length && n < 16) {
		const struct mb1_mmap *e = (const struct mb1_mmap *)(mbi->mmap_addr + off);
		if (e->type == 1 && e->base_lo + e->len_lo > usable_top)
			usable_top = e->base_lo + e->len_lo;
		if (e->type != 1 && e->base_lo == 0xA0000)
			hole_reserved = true;
		off += e->size + 4;
		n++;
	}
	guest_check(n == 3, "memory map has 3 entries", n);
	guest_check(hole_reserved, "640 KiB-1 MiB reserved in the map", 0);
	guest_check(usable_top == want_mem * 1024 * 1024, "memory map ends at the RAM size",
		    usable_top);

	guest_check(mbi->mods_count == want_mods, "module count", mbi->mods_count);
	const struct mb1_mod *mods = (const struct mb1_mod *)mbi->mods_addr;
	for (uint32_t i = 0; i < mbi->mods_count && i < 8; i++) {
		char text[] = "plinth test module ?";
		char name[] = "mod-?.txt";
		uint32_t len = sizeof(text) - 1;
		text[len - 1] = (char)('1' + i);
		name[4] = (char)('a' + i);
		guest_puts("module: ");
		guest_puts((const char *)mods[i].string);
		guest_puts(" at ");
		guest_put_hex(mods[i].start);
		guest_puts("\n");
		guest_check((mods[i].start & 0xFFF) == 0, "module page aligned", mods[i].start);
		guest_check(mods[i].end - mods[i].start >= len &&
			    mods[i].end <= (want_mem << 20), "module inside RAM", mods[i].end);
		guest_check(mem_eq((const void *)mods[i].start, text, len), "module contents", i);
		guest_check(str_eq((const char *)mods[i].string, name), "module string", i);
		/* Neither the information block nor another module overlaps it. */
		guest_check(info + sizeof(*mbi) <= mods[i].start || info >= mods[i].end,
			    "module apart from the information", info);
		for (uint32_t j = 0; j < i; j++)
			guest_check(mods[j].end <= mods[i].start || mods[i].end <= mods[j].start,
				    "modules apart", j);
	}
	return guest_summary();
}
