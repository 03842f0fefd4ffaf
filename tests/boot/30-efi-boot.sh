#!/usr/bin/env bash
# 30-efi-boot.sh - native UEFI boot without GRUB: OVMF starts plinth.efi as
# EFI/BOOT/BOOTX64.EFI from a FAT image (make esp: $BUILD/esp-test.img),
# plinth.efi reads plinth.cfg, loads plinth.elf and one module, exits boot
# services and enters plinth, which must boot completely on 4 CPUs, know it
# was loaded by plinth.efi, see the module with its string, and power off
# (test_exit in plinth.cfg).
. "$(dirname "$0")/lib.sh"
bt_begin efi-boot
bt_need_file "$BUILD/esp-test.img" "the ESP test image (make BUILD=$BUILD efi-test-images)"
ovmf=$(bt_ovmf_args) || { bt_fail "no OVMF firmware in /usr/share/OVMF (package ovmf)"; bt_end; }
# shellcheck disable=SC2086 # two -drive arguments
bt_qemu 90 -smp 4 -m 512 $ovmf -net none \
	-drive format=raw,snapshot=on,file="$BUILD/esp-test.img"
bt_expect 'plinth\.efi: version [0-9.]+, starting' "from plinth.efi on the firmware console"
bt_expect "plinth\.efi: module hello\.txt: 23 bytes at 0x" "from plinth.efi about loading hello.txt"
bt_expect 'boot: loaded by UEFI \(plinth\.efi\), loader .plinth\.efi [0-9.]+.' \
	"saying plinth was loaded by plinth.efi"
bt_expect "boot: command line 'test_exit'" "with the options from plinth.cfg"
bt_expect "module 0: \[0x[0-9a-f]+-0x[0-9a-f]+\) 23 bytes 'hello\.txt greeting=1'" \
	"listing the module with its size and string"
bt_expect 'UEFI firmware, system table 0x[0-9a-f]+' "with the EFI system table"
bt_expect '[1-9][0-9]* EFI memory descriptors' "with the memory map from the EFI memory descriptors"
bt_expect 'boot: ACPI RSDP at 0x[0-9a-f]+' "with the RSDP from the EFI configuration table"
bt_reject 'plinth\.efi: error' "plinth.efi reported an error"
bt_expect_boot 4
bt_expect_exit
bt_end
