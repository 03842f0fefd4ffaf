/* efi_file.c - reading plinth.cfg, plinth.elf and the modules from the FAT
 * volume plinth.efi itself was loaded from: EFI_LOADED_IMAGE_PROTOCOL gives
 * the device and our own file path (UEFI 2.10 §9.1), the device's
 * EFI_SIMPLE_FILE_SYSTEM_PROTOCOL opens its root directory and
 * EFI_FILE_PROTOCOL reads files (UEFI 2.10 §13.4, §13.5). */
#include "efi_app.h"
#include "efi_cfg.h"

#include <plinth/log.h>
#include <plinth/string.h>

#define READ_CHUNK   (1024 * 1024)   /* some firmware mishandles very large single reads */
#define FILE_MAX     (1ULL << 31)    /* modules and plinth.elf are far smaller */
#define PAGE_SIZE    4096ULL
#define BELOW_4G     0xFFFFFFFFULL

static EFI_GUID loaded_image_guid = EFI_LOADED_IMAGE_PROTOCOL_GUID;
static EFI_GUID simple_fs_guid = EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID;
static EFI_GUID file_info_guid = EFI_FILE_INFO_ID;

/* UCS-2 to ASCII for messages ('?' for anything else). */
static void path_to_ascii(char *out, size_t size, const CHAR16 *path)
{
	size_t i = 0;
	for (; path[i] && i + 1 < size; i++)
		out[i] = path[i] < 0x80 ? (char)path[i] : '?';
	out[i] = '\0';
}

/* Concatenate the file-path nodes of our image's device path (UEFI 2.10
 * §10.3.5.4: type 4 media, subtype 4 file path; a path may be split over
 * several nodes) into out. Returns false if it does not fit. */
static bool image_file_path(const EFI_DEVICE_PATH *dp, CHAR16 *out, size_t out_len)
{
	size_t n = 0;
	out[0] = 0;
	while (dp && dp->Type != END_DEVICE_PATH_TYPE) {
		UINT16 node_len = (UINT16)(dp->Length[0] | (dp->Length[1] << 8));
		if (node_len < sizeof(*dp))
			break;   /* malformed: stop rather than loop forever */
		if (dp->Type == MEDIA_DEVICE_PATH && dp->SubType == MEDIA_FILEPATH_DP) {
			const CHAR16 *name = ((const FILEPATH_DEVICE_PATH *)dp)->PathName;
			size_t max = (node_len - SIZE_OF_FILEPATH_DEVICE_PATH) / sizeof(CHAR16);
			if (n > 0 && out[n - 1] != L'\\' && max > 0 && name[0] != L'\\') {
				if (n + 1 >= out_len)
					return false;
				out[n++] = L'\\';
			}
			for (size_t i = 0; i < max && name[i]; i++) {
				if (n + 1 >= out_len)
					return false;
				out[n++] = name[i];
			}
			out[n] = 0;
		}
		dp = (const EFI_DEVICE_PATH *)((const UINT8 *)dp + node_len);
	}
	return true;
}

/* Open the root of the volume we were loaded from and find our directory. */
EFI_STATUS efi_volume_open(EFI_HANDLE image, struct efi_volume *vol)
{
	EFI_LOADED_IMAGE *li;
	EFI_SIMPLE_FILE_SYSTEM_PROTOCOL *fs;
	EFI_STATUS st;

	st = uefi_call_wrapper(efi_bs->HandleProtocol, 3, image, &loaded_image_guid, (void **)&li);
	if (EFI_ERROR(st)) {
		pr_err("cannot get the loaded image protocol: %s", efi_status_text(st));
		return st;
	}
	st = uefi_call_wrapper(efi_bs->HandleProtocol, 3, li->DeviceHandle, &simple_fs_guid,
			       (void **)&fs);
	if (EFI_ERROR(st)) {
		pr_err("the device plinth.efi was started from has no file system (%s); put "
		       "plinth.efi, plinth.cfg and plinth.elf on a FAT partition",
		       efi_status_text(st));
		return st;
	}
	st = uefi_call_wrapper(fs->OpenVolume, 2, fs, &vol->root);
	if (EFI_ERROR(st)) {
		pr_err("cannot open the file system plinth.efi was started from: %s",
		       efi_status_text(st));
		return st;
	}

	CHAR16 self[sizeof(vol->dir) / sizeof(vol->dir[0])];
	if (!image_file_path(li->FilePath, self, ARRAY_SIZE(self))) {
		pr_err("the path of plinth.efi is longer than %zu characters", ARRAY_SIZE(self) - 1);
		return EFI_BAD_BUFFER_SIZE;
	}
	vol->dir_len = efi_path_dir_len(self);
	memcpy(vol->dir, self, vol->dir_len * sizeof(CHAR16));
	vol->dir[vol->dir_len] = 0;
	return EFI_SUCCESS;
}

/* The size and kind of an open file (EFI_FILE_INFO, UEFI 2.10 §13.5.16). */
static EFI_STATUS file_size(EFI_FILE_HANDLE fh, const char *name, UINT64 *size)
{
	/* Room for any FAT long name (255 characters) and then some. */
	UINT64 info_buf[(offsetof(EFI_FILE_INFO, FileName) + 512 * sizeof(CHAR16)) /
			sizeof(UINT64) + 1];
	EFI_FILE_INFO *info = (EFI_FILE_INFO *)info_buf;
	UINTN len = sizeof(info_buf);
	EFI_STATUS st = uefi_call_wrapper(fh->GetInfo, 4, fh, &file_info_guid, &len, info);

	if (EFI_ERROR(st)) {
		pr_err("%s: cannot read its file information: %s", name, efi_status_text(st));
		return st;
	}
	if (info->Attribute & EFI_FILE_DIRECTORY) {
		pr_err("%s: is a directory, not a file", name);
		return EFI_INVALID_PARAMETER;
	}
	if (info->FileSize > FILE_MAX) {
		pr_err("%s: %llu bytes is too large (at most %llu)", name,
		       (unsigned long long)info->FileSize, (unsigned long long)FILE_MAX);
		return EFI_BAD_BUFFER_SIZE;
	}
	*size = info->FileSize;
	return EFI_SUCCESS;
}

static EFI_STATUS read_all(EFI_FILE_HANDLE fh, const char *name, UINT8 *buf, UINT64 size)
{
	UINT64 done = 0;
	while (done < size) {
		UINTN chunk = (UINTN)MIN(size - done, (UINT64)READ_CHUNK);
		EFI_STATUS st = uefi_call_wrapper(fh->Read, 3, fh, &chunk, buf + done);
		if (EFI_ERROR(st)) {
			pr_err("%s: read error at byte %llu: %s", name, (unsigned long long)done,
			       efi_status_text(st));
			return st;
		}
		if (chunk == 0) {
			pr_err("%s: file ended after %llu of %llu bytes", name,
			       (unsigned long long)done, (unsigned long long)size);
			return EFI_END_OF_FILE;
		}
		done += chunk;
	}
	return EFI_SUCCESS;
}

static EFI_STATUS alloc_dest(enum efi_file_dest dest, const char *name, UINT64 size, void **data)
{
	EFI_STATUS st;
	if (dest == EFI_FILE_POOL) {
		st = uefi_call_wrapper(efi_bs->AllocatePool, 3, EfiLoaderData,
				       (UINTN)MAX(size, 1ULL), data);
	} else {
		EFI_PHYSICAL_ADDRESS addr = BELOW_4G;
		UINTN pages = (UINTN)MAX(ALIGN_UP(size, PAGE_SIZE) / PAGE_SIZE, 1ULL);
		st = uefi_call_wrapper(efi_bs->AllocatePages, 4, AllocateMaxAddress, EfiLoaderData,
				       pages, &addr);
		*data = (void *)(uintptr_t)addr;
	}
	if (EFI_ERROR(st))
		pr_err("%s: not enough memory for %llu bytes%s: %s", name,
		       (unsigned long long)size, dest == EFI_FILE_POOL ? "" : " below 4 GiB",
		       efi_status_text(st));
	return st;
}

static void free_dest(enum efi_file_dest dest, void *data, UINT64 size)
{
	if (dest == EFI_FILE_POOL)
		uefi_call_wrapper(efi_bs->FreePool, 1, data);
	else
		uefi_call_wrapper(efi_bs->FreePages, 2, (EFI_PHYSICAL_ADDRESS)(uintptr_t)data,
				  (UINTN)MAX(ALIGN_UP(size, PAGE_SIZE) / PAGE_SIZE, 1ULL));
}

/* Read a whole file named relative to plinth.efi's directory (efi_app.h). */
EFI_STATUS efi_file_read(struct efi_volume *vol, const char *name, enum efi_file_dest dest,
			 void **data, UINT64 *size)
{
	CHAR16 path[512];
	char path_ascii[512];
	EFI_FILE_HANDLE fh;
	EFI_STATUS st;

	int err = efi_path_join(path, ARRAY_SIZE(path), vol->dir, vol->dir_len, name);
	if (err) {
		pr_err("%s: %s", name, err == -E2BIG ? "path too long" : "not a file name");
		return EFI_INVALID_PARAMETER;
	}
	path_to_ascii(path_ascii, sizeof(path_ascii), path);

	st = uefi_call_wrapper(vol->root->Open, 5, vol->root, &fh, path, EFI_FILE_MODE_READ, 0ULL);
	if (EFI_ERROR(st)) {
		pr_err("%s: cannot open %s: %s", name, path_ascii, efi_status_text(st));
		return st;
	}
	st = file_size(fh, name, size);
	if (!EFI_ERROR(st))
		st = alloc_dest(dest, name, *size, data);
	if (!EFI_ERROR(st)) {
		st = read_all(fh, name, *data, *size);
		if (EFI_ERROR(st))
			free_dest(dest, *data, *size);
	}
	uefi_call_wrapper(fh->Close, 1, fh);
	return st;
}
