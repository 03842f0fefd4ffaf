/* efi_mmap.c - converting a UEFI memory map (GetMemoryMap() output, UEFI
 * 2.10 §7.2.3) into boot_info memory ranges. Shared by the multiboot 2
 * parser (tag 17) and the native UEFI loader (boot/efi/). Pure; host-tested
 * (tests/unit/test_efi_mmap.c). */
#include <plinth/boot_info.h>
#include <plinth/log.h>
#include <plinth/string.h>

/* EFI_MEMORY_DESCRIPTOR as of descriptor version 1 (UEFI 2.10 §7.2.3). The
 * firmware may append fields, so descriptors are desc_size bytes apart,
 * desc_size >= sizeof(struct efi_memory_descriptor). */
struct efi_memory_descriptor {
	uint32_t type;
	uint32_t pad;
	uint64_t physical_start;     /* 4 KiB aligned */
	uint64_t virtual_start;
	uint64_t number_of_pages;    /* 4 KiB pages */
	uint64_t attribute;
};
_Static_assert(sizeof(struct efi_memory_descriptor) == 40, "UEFI 2.10 §7.2.3 layout");

#define EFI_PAGE_SHIFT 12

/* EFI_MEMORY_TYPE (UEFI 2.10 §7.2.1, table 7-5). */
enum efi_memory_type {
	EFI_RESERVED_MEMORY       = 0,
	EFI_LOADER_CODE           = 1,
	EFI_LOADER_DATA           = 2,
	EFI_BOOT_SERVICES_CODE    = 3,
	EFI_BOOT_SERVICES_DATA    = 4,
	EFI_RUNTIME_SERVICES_CODE = 5,
	EFI_RUNTIME_SERVICES_DATA = 6,
	EFI_CONVENTIONAL_MEMORY   = 7,
	EFI_UNUSABLE_MEMORY       = 8,
	EFI_ACPI_RECLAIM_MEMORY   = 9,
	EFI_ACPI_MEMORY_NVS       = 10,
	EFI_MEMORY_MAPPED_IO      = 11,
	EFI_MEMORY_MAPPED_IO_PORT = 12,
	EFI_PAL_CODE              = 13,
	EFI_PERSISTENT_MEMORY     = 14,
	EFI_UNACCEPTED_MEMORY     = 15,
};

/* Attribute bits that matter for the conversion (UEFI 2.10 §7.2.3):
 * RUNTIME - the firmware's runtime services need this memory after
 *           ExitBootServices(), so it can never be usable, whatever its type;
 * SP      - "specific purpose" memory the firmware sets aside for particular
 *           uses (e.g. high-bandwidth memory); not general-purpose RAM.
 * Cacheability (UC/WC/WT/WB/UCE), protection (WP/RP/XP/RO) and
 * MORE_RELIABLE/CPU_CRYPTO bits are ignored: they describe what the memory
 * can do, not who owns it. */
#define EFI_MEMORY_SP      BIT(18)
#define EFI_MEMORY_RUNTIME BIT(63)

/* The boot_mem_type of one descriptor. Loader and boot-services memory is
 * free once ExitBootServices() has been called (our loaders have: the
 * boot-services-not-terminated case is warned about by the caller); the
 * caller must still protect what the loader itself placed there (boot
 * information, modules). Unaccepted memory (type 15) must be accepted by the
 * guest of a confidential-computing host first, which plinth does not do. */
static uint32_t efi_to_boot_type(uint32_t efi_type, uint64_t attribute)
{
	uint32_t type;
	switch (efi_type) {
	case EFI_LOADER_CODE:
	case EFI_LOADER_DATA:
	case EFI_BOOT_SERVICES_CODE:
	case EFI_BOOT_SERVICES_DATA:
	case EFI_CONVENTIONAL_MEMORY:
		type = BOOT_MEM_USABLE;
		break;
	case EFI_ACPI_RECLAIM_MEMORY:
		type = BOOT_MEM_ACPI_RECLAIM;
		break;
	case EFI_ACPI_MEMORY_NVS:
		type = BOOT_MEM_ACPI_NVS;
		break;
	default:   /* reserved, runtime services, unusable, MMIO, PAL, persistent,
		    * unaccepted, OEM and OS-defined types */
		type = BOOT_MEM_RESERVED;
		break;
	}
	if (type == BOOT_MEM_USABLE && (attribute & (EFI_MEMORY_RUNTIME | EFI_MEMORY_SP)))
		type = BOOT_MEM_RESERVED;
	return type;
}

/* Add every descriptor of the UEFI memory map [map, map+map_size) to
 * bi->mem (see boot_info.h for the type rule). The whole map is checked
 * before anything is added: desc_size < 40, map_size not a multiple of
 * desc_size, a start not 4 KiB aligned, a page count whose byte size
 * overflows, or a range past 2^64 give -EINVAL and leave bi unchanged.
 * -ENOSPC if bi->mem fills up. Counts the descriptors converted in
 * bi->efi_mmap_entries. */
int boot_info_add_efi_mmap(struct boot_info *bi, const void *map, size_t map_size,
			   size_t desc_size)
{
	if (desc_size < sizeof(struct efi_memory_descriptor)) {
		pr_err("efi mmap: descriptor size %zu is smaller than %zu",
		       desc_size, sizeof(struct efi_memory_descriptor));
		return -EINVAL;
	}
	if (map_size % desc_size != 0) {
		pr_err("efi mmap: map size %zu is not a multiple of the descriptor size %zu",
		       map_size, desc_size);
		return -EINVAL;
	}
	if (map_size != 0 && !map) {
		pr_err("efi mmap: no map");
		return -EINVAL;
	}

	const uint8_t *bytes = map;
	size_t count = map_size / desc_size;
	struct efi_memory_descriptor d;

	for (size_t i = 0; i < count; i++) {
		memcpy(&d, bytes + i * desc_size, sizeof(d));
		if (!IS_ALIGNED(d.physical_start, 1ULL << EFI_PAGE_SHIFT)) {
			pr_err("efi mmap: descriptor %zu: start 0x%llx is not 4 KiB aligned",
			       i, (unsigned long long)d.physical_start);
			return -EINVAL;
		}
		if (d.number_of_pages > (UINT64_MAX >> EFI_PAGE_SHIFT)) {
			pr_err("efi mmap: descriptor %zu: page count 0x%llx overflows",
			       i, (unsigned long long)d.number_of_pages);
			return -EINVAL;
		}
		uint64_t bytes_len = d.number_of_pages << EFI_PAGE_SHIFT;
		if (bytes_len && d.physical_start + (bytes_len - 1) < d.physical_start) {
			pr_err("efi mmap: descriptor %zu: 0x%llx + %llu pages wraps past 2^64",
			       i, (unsigned long long)d.physical_start,
			       (unsigned long long)d.number_of_pages);
			return -EINVAL;
		}
	}

	for (size_t i = 0; i < count; i++) {
		memcpy(&d, bytes + i * desc_size, sizeof(d));
		int err = boot_info_add_mem(bi, d.physical_start,
					    d.number_of_pages << EFI_PAGE_SHIFT,
					    efi_to_boot_type(d.type, d.attribute));
		if (err)
			return err;
		bi->efi_mmap_entries++;
	}
	return 0;
}
