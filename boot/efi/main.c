/* main.c - plinth.efi, the native UEFI loader of plinth: read plinth.cfg
 * from our own directory, load plinth.elf at its physical addresses and the
 * modules below 4 GiB, find the ACPI RSDP, build the struct boot_info that
 * the multiboot paths build, exit boot services and enter plinth
 * (boot/entry.S plinth_efi_entry64). Any failure before ExitBootServices()
 * is reported on the firmware's console, everything allocated is released
 * and an error status goes back to the firmware, whose boot manager moves
 * on to the next boot option. See docs/uefi.md. */
#include "efi_app.h"
#include "efi_cfg.h"
#include "elf_load.h"

#include <plinth/log.h>
#include <plinth/string.h>
#include <plinth/version.h>

#define CFG_NAME   "plinth.cfg"
#define PAGE_SIZE  4096ULL
#define BELOW_4G   0xFFFFFFFFULL

EFI_SYSTEM_TABLE *efi_st;
EFI_BOOT_SERVICES *efi_bs;

/* Everything allocated on the way, released if we return to the firmware. */
struct loader {
	EFI_HANDLE image;
	struct efi_volume vol;
	struct efi_cfg *cfg;                 /* pool */
	struct boot_info *bi;                /* pages below 4 GiB */
	UINTN bi_pages;
	EFI_PHYSICAL_ADDRESS kernel_base;    /* pages at the ELF's p_paddr, 0 if none */
	UINTN kernel_pages;
	uint64_t entry_phys;
	UINT64 module_size[BOOT_MAX_MODULES];
};

static UINTN pages_for(UINT64 bytes)
{
	return (UINTN)MAX(ALIGN_UP(bytes, PAGE_SIZE) / PAGE_SIZE, 1ULL);
}

static void release(struct loader *ld)
{
	if (ld->bi) {
		for (uint32_t i = 0; i < ld->bi->module_count; i++)
			uefi_call_wrapper(efi_bs->FreePages, 2, ld->bi->modules[i].start,
					  pages_for(ld->module_size[i]));
		uefi_call_wrapper(efi_bs->FreePages, 2, (EFI_PHYSICAL_ADDRESS)(uintptr_t)ld->bi,
				  ld->bi_pages);
	}
	if (ld->kernel_base)
		uefi_call_wrapper(efi_bs->FreePages, 2, ld->kernel_base, ld->kernel_pages);
	if (ld->cfg)
		uefi_call_wrapper(efi_bs->FreePool, 1, ld->cfg);
}

static EFI_STATUS read_config(struct loader *ld)
{
	void *text;
	UINT64 size;
	EFI_STATUS st = efi_file_read(&ld->vol, CFG_NAME, EFI_FILE_POOL, &text, &size);
	if (EFI_ERROR(st)) {
		pr_err("plinth.efi needs %s next to it (see docs/uefi.md)", CFG_NAME);
		return st;
	}
	st = uefi_call_wrapper(efi_bs->AllocatePool, 3, EfiLoaderData, sizeof(*ld->cfg),
			       (void **)&ld->cfg);
	if (EFI_ERROR(st)) {
		ld->cfg = NULL;
		pr_err("not enough memory for the configuration: %s", efi_status_text(st));
	} else if (efi_cfg_parse(ld->cfg, CFG_NAME, text, (size_t)size) != 0) {
		st = EFI_LOAD_ERROR;
	}
	uefi_call_wrapper(efi_bs->FreePool, 1, text);
	return st;
}

/* Load plinth.elf at its physical addresses (elf_load.h checks it). The
 * pages are EfiLoaderCode, not EfiLoaderData: firmware with a DXE NX policy
 * (edk2 PcdDxeNxMemoryProtectionPolicy) maps loader data non-executable,
 * and plinth_efi_entry64 runs on the firmware's page tables. Both types are
 * free memory once boot services have exited (UEFI 2.10 §7.2.1). */
static EFI_STATUS load_kernel(struct loader *ld)
{
	const char *name = ld->cfg->kernel;
	struct elf_load_plan plan;
	struct boot_entry_table table;
	void *file;
	UINT64 size;

	EFI_STATUS st = efi_file_read(&ld->vol, name, EFI_FILE_POOL, &file, &size);
	if (EFI_ERROR(st))
		return st;
	if (elf_load_plan(&plan, name, file, (size_t)size) != 0) {
		st = EFI_LOAD_ERROR;
		goto out;
	}
	EFI_PHYSICAL_ADDRESS base = plan.phys_start;
	UINTN pages = (UINTN)((plan.phys_end - plan.phys_start) / PAGE_SIZE);
	st = uefi_call_wrapper(efi_bs->AllocatePages, 4, AllocateAddress, EfiLoaderCode, pages,
			       &base);
	if (EFI_ERROR(st)) {
		pr_err("cannot place %s at 0x%llx-0x%llx: memory in use by firmware (%s)", name,
		       (unsigned long long)plan.phys_start, (unsigned long long)plan.phys_end,
		       efi_status_text(st));
		goto out;
	}
	ld->kernel_base = base;
	ld->kernel_pages = pages;
	elf_load_copy(&plan, file, (void *)(uintptr_t)base);
	if (elf_find_entry_table(&plan, (void *)(uintptr_t)base, name, &table) != 0) {
		st = EFI_LOAD_ERROR;
		goto out;
	}
	ld->entry_phys = table.efi_entry64_phys;
	ld->bi->kernel_start = table.image_start_phys;
	ld->bi->kernel_end = table.image_end_phys;
	pr_info("%s: loaded at 0x%llx-0x%llx, entry 0x%llx", name,
		(unsigned long long)plan.phys_start, (unsigned long long)plan.phys_end,
		(unsigned long long)ld->entry_phys);
out:
	uefi_call_wrapper(efi_bs->FreePool, 1, file);
	return st;
}

static EFI_STATUS load_modules(struct loader *ld)
{
	for (uint32_t i = 0; i < ld->cfg->module_count; i++) {
		const struct efi_cfg_module *cm = &ld->cfg->modules[i];
		void *data;
		UINT64 size;
		EFI_STATUS st = efi_file_read(&ld->vol, cm->path, EFI_FILE_PAGES_LOW, &data, &size);
		if (EFI_ERROR(st)) {
			pr_err("%s:%u: cannot load module %s", CFG_NAME, cm->line, cm->path);
			return st;
		}
		struct boot_module *m = &ld->bi->modules[ld->bi->module_count];
		m->start = (uint64_t)(uintptr_t)data;
		m->end = m->start + size;
		str_copy(m->string, cm->string, sizeof(m->string));
		ld->module_size[ld->bi->module_count++] = size;
		pr_info("module %s: %llu bytes at 0x%llx", cm->path, (unsigned long long)size,
			(unsigned long long)m->start);
	}
	return EFI_SUCCESS;
}

/* The RSDP from the EFI configuration table (UEFI 2.10 §4.6; ACPI 6.5
 * §5.2.5.2: on UEFI systems the OS finds it there, not in the BIOS areas).
 * The ACPI 2.0+ entry (XSDT) is preferred over the 1.0 one (RSDT only).
 * Returns 0 if there is none with the "RSD PTR " signature. */
static uint64_t find_rsdp(EFI_SYSTEM_TABLE *st)
{
	static EFI_GUID acpi20_guid = ACPI_20_TABLE_GUID;
	static EFI_GUID acpi10_guid = ACPI_TABLE_GUID;
	uint64_t acpi10 = 0;

	for (UINTN i = 0; i < st->NumberOfTableEntries; i++) {
		const EFI_CONFIGURATION_TABLE *t = &st->ConfigurationTable[i];
		bool is20 = memcmp(&t->VendorGuid, &acpi20_guid, sizeof(EFI_GUID)) == 0;
		bool is10 = memcmp(&t->VendorGuid, &acpi10_guid, sizeof(EFI_GUID)) == 0;
		if (!is20 && !is10)
			continue;
		if (!t->VendorTable || memcmp(t->VendorTable, "RSD PTR ", 8) != 0) {
			pr_warn("the ACPI %s entry of the EFI configuration table has no RSDP "
				"signature; ignored", is20 ? "2.0" : "1.0");
			continue;
		}
		uint64_t addr = (uint64_t)(uintptr_t)t->VendorTable;
		if (is20)
			return addr;
		if (!acpi10)
			acpi10 = addr;
	}
	return acpi10;
}

static EFI_STATUS prepare(struct loader *ld)
{
	EFI_STATUS st = efi_volume_open(ld->image, &ld->vol);
	if (EFI_ERROR(st))
		return st;
	st = read_config(ld);
	if (EFI_ERROR(st))
		return st;

	EFI_PHYSICAL_ADDRESS bi_addr = BELOW_4G;
	ld->bi_pages = pages_for(sizeof(struct boot_info));
	st = uefi_call_wrapper(efi_bs->AllocatePages, 4, AllocateMaxAddress, EfiLoaderData,
			       ld->bi_pages, &bi_addr);
	if (EFI_ERROR(st)) {
		pr_err("not enough memory below 4 GiB for the boot information: %s",
		       efi_status_text(st));
		return st;
	}
	ld->bi = (struct boot_info *)(uintptr_t)bi_addr;
	boot_info_init(ld->bi, BOOT_LOADER_EFI);
	str_copy(ld->bi->loader_name, EFI_APP_NAME " " PLINTH_VERSION,
		 sizeof(ld->bi->loader_name));
	str_copy(ld->bi->cmdline, ld->cfg->options, sizeof(ld->bi->cmdline));
	ld->bi->efi_booted = 1;
	ld->bi->efi_system_table = (uint64_t)(uintptr_t)efi_st;

	st = load_kernel(ld);
	if (EFI_ERROR(st))
		return st;
	st = load_modules(ld);
	if (EFI_ERROR(st))
		return st;

	ld->bi->rsdp_phys = find_rsdp(efi_st);
	if (ld->bi->rsdp_phys)
		pr_info("ACPI RSDP at 0x%llx", (unsigned long long)ld->bi->rsdp_phys);
	else
		pr_warn("no ACPI RSDP in the EFI configuration table; plinth will search the "
			"BIOS areas");
	pr_info("options: '%s'", ld->bi->cmdline);
	return EFI_SUCCESS;
}

/* Called by GNU-EFI's crt0 (System V convention) after it has applied our
 * relocations. Returns only on failure: the status goes to the firmware. */
EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st);
EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st)
{
	static struct loader ld;
	EFI_STATUS status;

	efi_st = st;
	efi_bs = st->BootServices;
	efi_console_init(st);
	pr_info("version %s, starting the plinth hypervisor", PLINTH_VERSION);

	memset(&ld, 0, sizeof(ld));
	ld.image = image;
	status = prepare(&ld);
	if (!EFI_ERROR(status))
		status = efi_handoff(image, ld.bi, ld.entry_phys);
	/* Only failures come back here. */
	if (efi_bs)
		release(&ld);
	pr_err("not starting plinth; returning to the firmware (%s)", efi_status_text(status));
	return EFI_ERROR(status) ? status : EFI_LOAD_ERROR;
}
