/* handoff.c - leaving the firmware and entering plinth: the final memory
 * map, ExitBootServices(), the map's conversion into boot_info, and the jump
 * to plinth_efi_entry64 (boot/entry.S).
 *
 * UEFI 2.10 §7.4.6 (ExitBootServices): the MapKey passed must be the one
 * from the latest GetMemoryMap(); if the map changed in between, the call
 * fails with EFI_INVALID_PARAMETER and GetMemoryMap() + ExitBootServices()
 * must be repeated. After the first ExitBootServices() call, even a failed
 * one, only the memory allocation services may be used: no console output.
 * Anything that allocates or prints changes the map, so nothing but the two
 * calls happens between them. §2.3.4: on x64 the firmware leaves long mode
 * with an identity map of all memory, which plinth_efi_entry64 runs on. */
#include "efi_app.h"

#include <plinth/log.h>
#include <plinth/string.h>

#define EXIT_ATTEMPTS 8
/* Room for descriptors the map grows by between sizing the buffer and
 * taking the final map (our own allocation splits a free range, the
 * firmware's events may allocate). */
#define MAP_SLACK_DESCRIPTORS 32

struct memory_map {
	EFI_MEMORY_DESCRIPTOR *buf;
	UINTN capacity;        /* bytes allocated at buf */
	UINTN size;            /* bytes of the latest map */
	UINTN key;
	UINTN desc_size;
	UINT32 desc_version;
};

/* GetMemoryMap() into m, growing the buffer when the firmware says it is
 * too small (allocation is allowed, even after a failed ExitBootServices).
 * Prints nothing: the caller decides whether the console may be used. */
static EFI_STATUS get_map(struct memory_map *m)
{
	for (unsigned tries = 0; tries < 4; tries++) {
		m->size = m->capacity;
		EFI_STATUS st = uefi_call_wrapper(efi_bs->GetMemoryMap, 5, &m->size, m->buf,
						  &m->key, &m->desc_size, &m->desc_version);
		if (st != EFI_BUFFER_TOO_SMALL)
			return st;
		if (m->buf)
			uefi_call_wrapper(efi_bs->FreePool, 1, m->buf);
		m->buf = NULL;
		m->capacity = 0;
		UINTN want = m->size + MAP_SLACK_DESCRIPTORS * MAX(m->desc_size,
								   sizeof(EFI_MEMORY_DESCRIPTOR));
		st = uefi_call_wrapper(efi_bs->AllocatePool, 3, EfiLoaderData, want, (void **)&m->buf);
		if (EFI_ERROR(st)) {
			m->buf = NULL;
			return st;
		}
		m->capacity = want;
	}
	return EFI_BUFFER_TOO_SMALL;
}

/* Jump to plinth_efi_entry64 with RDI = boot_info, RSI = the handoff magic
 * (the System V convention entry.S expects), interrupts off. A plain jump
 * rather than a call through a function pointer: plinth.efi's compiler
 * would pick a convention, and nothing returns. */
static __noreturn void enter_plinth(uint64_t entry_phys, uint64_t boot_info_phys)
{
	__asm__ __volatile__("cli\n\t"
			     "cld\n\t"
			     "jmp *%%rax"
			     :: "a"(entry_phys), "D"(boot_info_phys),
				"S"((uint64_t)BOOT_EFI_HANDOFF_MAGIC)
			     : "memory");
	__builtin_unreachable();
}

/* Convert the map into bi->mem; reports problems through the log (the
 * console or, after exit, COM1). */
static int convert_map(struct boot_info *bi, const struct memory_map *m)
{
	bi->mem_count = 0;
	bi->efi_mmap_entries = 0;
	memset(bi->mem, 0, sizeof(bi->mem));
	return boot_info_add_efi_mmap(bi, m->buf, m->size, m->desc_size);
}

/* Exit boot services and enter plinth (efi_app.h). */
EFI_STATUS efi_handoff(EFI_HANDLE image, struct boot_info *bi, uint64_t entry_phys)
{
	struct memory_map m = { 0 };
	EFI_STATUS st;

	/* A trial run while the console works: a map the converter rejects
	 * is reported here, where we can still return to the firmware. */
	st = get_map(&m);
	if (EFI_ERROR(st)) {
		pr_err("cannot get the memory map: %s", efi_status_text(st));
		return st;
	}
	if (m.desc_version != EFI_MEMORY_DESCRIPTOR_VERSION)
		pr_warn("memory map descriptor version %u (expected %u); using the first "
			"fields of each %llu-byte descriptor", m.desc_version,
			EFI_MEMORY_DESCRIPTOR_VERSION, (unsigned long long)m.desc_size);
	if (convert_map(bi, &m) != 0) {
		pr_err("the firmware's memory map cannot be converted (see above)");
		return EFI_LOAD_ERROR;
	}
	pr_info("%llu MiB usable memory, %u memory map entries; starting plinth at 0x%llx",
		(unsigned long long)(boot_info_usable_bytes(bi) / MiB), bi->efi_mmap_entries,
		(unsigned long long)entry_phys);

	/* From here: no output and no allocation between GetMemoryMap() and
	 * ExitBootServices(), except growing the map buffer, which is itself
	 * followed by a fresh GetMemoryMap(). */
	bool exited = false;
	for (unsigned attempt = 0; attempt < EXIT_ATTEMPTS && !exited; attempt++) {
		st = get_map(&m);
		if (EFI_ERROR(st))
			break;
		st = uefi_call_wrapper(efi_bs->ExitBootServices, 2, image, m.key);
		if (st == EFI_SUCCESS)
			exited = true;
		else
			efi_console_firmware_gone();   /* partly shut down: no ConOut (§7.4.6) */
		if (st != EFI_SUCCESS && st != EFI_INVALID_PARAMETER)
			break;
	}
	if (!exited) {
		/* The log goes to ConOut if ExitBootServices was never called
		 * (GetMemoryMap failed first), else to COM1. */
		pr_err("cannot exit the firmware's boot services: %s", efi_status_text(st));
		return st == EFI_SUCCESS ? EFI_LOAD_ERROR : st;
	}

	/* The machine is ours: firmware services are gone, nothing may call
	 * them. Convert the final map (the one whose key was accepted). */
	efi_console_firmware_gone();
	__asm__ __volatile__("cli" ::: "memory");
	efi_st = NULL;
	efi_bs = NULL;
	if (convert_map(bi, &m) != 0)
		pr_err("the final memory map could not be converted fully; plinth gets "
		       "%u ranges", bi->mem_count);
	enter_plinth(entry_phys, (uint64_t)(uintptr_t)bi);
}
