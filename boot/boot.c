/* boot.c - the C entry point: turn whatever the loader handed over into the
 * one struct boot_info, then start the kernel. Runs on the boot stack and the
 * boot page tables (entry.S), with only the early serial console. */
#include <plinth/boot_info.h>
#include <plinth/log.h>
#include <plinth/mm.h>
#include <plinth/multiboot.h>
#include <plinth/panic.h>
#include <plinth/string.h>
#include <plinth/uart.h>
#include <x86/arch.h>

#define MB1_LOADER_MAGIC 0x2BADB002u   /* Multiboot 0.6.96 §3.2 */
#define MB2_LOADER_MAGIC 0x36D76289u   /* Multiboot2 §3.3 */

extern char __image_start[], __bss_end[];

/* Static: the loader's structures live in memory the page allocator will
 * hand out, so everything we keep is copied in here first. */
static struct boot_info the_boot_info;

/* The boot page tables map 0..4 GiB at PHYS_MAP_BASE: anything a 32-bit
 * loader handed over lies there. */
static const void *boot_map_low(void *ctx, uint64_t pa, size_t len)
{
	(void)ctx;
	if (len > 4 * GiB || pa > 4 * GiB - len)
		return NULL;
	return phys_to_virt(pa);
}

static int take_efi_boot_info(struct boot_info *bi, uint64_t pa)
{
	const struct boot_info *src = boot_map_low(NULL, pa, sizeof(*src));
	if (!src) {
		pr_err("boot: plinth.efi boot info at 0x%llx is above 4 GiB", (unsigned long long)pa);
		return -EINVAL;
	}
	if (src->magic != BOOT_INFO_MAGIC || src->version != BOOT_INFO_VERSION) {
		pr_err("boot: plinth.efi boot info has magic 0x%llx version %u; expected version %u",
		       (unsigned long long)src->magic, src->version, BOOT_INFO_VERSION);
		return -EINVAL;
	}
	memcpy(bi, src, sizeof(*bi));
	/* Never trust counts from memory we did not fill ourselves. */
	if (bi->mem_count > BOOT_MAX_MEM_RANGES || bi->module_count > BOOT_MAX_MODULES) {
		pr_err("boot: plinth.efi boot info has %u memory ranges, %u modules (limits %u, %u)",
		       bi->mem_count, bi->module_count, BOOT_MAX_MEM_RANGES, BOOT_MAX_MODULES);
		return -EINVAL;
	}
	bi->cmdline[BOOT_CMDLINE_MAX - 1] = 0;
	bi->loader_name[BOOT_LOADER_NAME_MAX - 1] = 0;
	for (uint32_t i = 0; i < bi->module_count; i++)
		bi->modules[i].string[BOOT_MODSTR_MAX - 1] = 0;
	return 0;
}

void boot_entry(uint64_t magic, uint64_t info)
{
	struct boot_info *bi = &the_boot_info;
	int err;

	time_early_init();
	/* COM1 at 115200 until the command line says otherwise. */
	uart_init(0x3F8, 115200);
	log_init();

	memset(bi, 0, sizeof(*bi));
	bi->magic = BOOT_INFO_MAGIC;
	bi->version = BOOT_INFO_VERSION;
	switch ((uint32_t)magic == magic ? (uint32_t)magic : 0) {
	case MB1_LOADER_MAGIC:
		bi->loader = BOOT_LOADER_MULTIBOOT1;
		err = multiboot1_parse(bi, (uint32_t)info, boot_map_low, NULL);
		break;
	case MB2_LOADER_MAGIC:
		bi->loader = BOOT_LOADER_MULTIBOOT2;
		err = multiboot2_parse(bi, (uint32_t)info, boot_map_low, NULL);
		break;
	default:
		if (magic == BOOT_EFI_HANDOFF_MAGIC) {
			err = take_efi_boot_info(bi, info);
			bi->loader = BOOT_LOADER_EFI;
			break;
		}
		panic("boot: unknown loader magic 0x%llx: plinth must be started by a multiboot 1 "
		      "or 2 loader or by plinth.efi", (unsigned long long)magic);
	}
	if (err)
		pr_err("boot: the boot information is malformed (error %d); continuing with what "
		       "could be read", err);
	if (bi->mem_count == 0 || boot_info_usable_bytes(bi) == 0)
		panic("boot: no usable memory in the boot information; cannot continue");

	bi->kernel_start = (uint64_t)(uintptr_t)__image_start - KERNEL_VIRT_BASE;
	bi->kernel_end = (uint64_t)(uintptr_t)__bss_end - KERNEL_VIRT_BASE;
	kernel_main(bi);
}
