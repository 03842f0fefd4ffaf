/* efi_app.h - the parts of plinth.efi that talk to UEFI firmware (GNU-EFI
 * headers, MS ABI calls through the system table). Pure logic lives in
 * efi_cfg.c, efi_path.c and elf_load.c and does not include this file. */
#ifndef PLINTH_BOOT_EFI_APP_H
#define PLINTH_BOOT_EFI_APP_H

#include <efi.h>
#include <plinth/boot_info.h>

#define EFI_APP_NAME "plinth.efi"

/* The firmware's tables, set once by efi_main. */
extern EFI_SYSTEM_TABLE *efi_st;
extern EFI_BOOT_SERVICES *efi_bs;

/* console.c: log_printf/console_write (<plinth/log.h>) for the loader.
 * Until efi_console_firmware_gone() the text goes to the firmware's console
 * (ConOut, which OVMF and most servers mirror on the serial port); after it
 * straight to COM1, because no boot service may be called any more. */
void efi_console_init(EFI_SYSTEM_TABLE *st);
void efi_console_firmware_gone(void);
/* A short description of an EFI_STATUS ("Not Found") for messages. */
const char *efi_status_text(EFI_STATUS status);

/* efi_file.c: files on the volume plinth.efi was started from. */
struct efi_volume {
	EFI_FILE_HANDLE root;
	CHAR16 dir[256];       /* plinth.efi's directory, "\EFI\BOOT" (no trailing '\') */
	UINTN dir_len;
};

/* Where a file's contents go: pool memory (freed with FreePool) for files
 * the loader only reads, or whole pages below 4 GiB for modules handed to
 * plinth. */
enum efi_file_dest { EFI_FILE_POOL, EFI_FILE_PAGES_LOW };

EFI_STATUS efi_volume_open(EFI_HANDLE image, struct efi_volume *vol);
/* Read the plinth.cfg-relative file 'name' whole. On success *data and *size
 * describe it (EFI_FILE_PAGES_LOW: page-aligned, size rounded up to pages
 * is what was allocated, at least one page). Errors are reported with the
 * file name and reason. */
EFI_STATUS efi_file_read(struct efi_volume *vol, const char *name, enum efi_file_dest dest,
			 void **data, UINT64 *size);

/* handoff.c: ExitBootServices and the jump into plinth. Returns only on
 * failure, with the firmware still usable when the status says so. */
EFI_STATUS efi_handoff(EFI_HANDLE image, struct boot_info *bi, uint64_t entry_phys);

#endif
