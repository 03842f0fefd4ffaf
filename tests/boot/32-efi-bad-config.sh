#!/usr/bin/env bash
# 32-efi-bad-config.sh - plinth.cfg has an unknown key on line 5
# ($BUILD/esp-badcfg.img): plinth.efi must report the line and return an
# error to the firmware without loading anything.
. "$(dirname "$0")/lib.sh"
. "$BT_ROOT/scripts/efi-testlib.sh"
bt_begin efi-bad-config
bt_need_file "$BUILD/esp-badcfg.img" "the ESP test image (make BUILD=$BUILD efi-test-images)"
ovmf=$(bt_ovmf_args) || { bt_fail "no OVMF firmware in /usr/share/OVMF (package ovmf)"; bt_end; }
# shellcheck disable=SC2086 # two -drive arguments
efi_qemu_until 60 "$EFI_RETURNED_ERE" -smp 2 -m 256 $ovmf -net none \
	-drive format=raw,snapshot=on,file="$BUILD/esp-badcfg.img"
bt_expect "plinth\.efi: error: plinth\.cfg:5: unknown key 'modules' \(expected kernel, options or module\)" \
	"naming the bad line and key"
bt_expect 'plinth\.efi: error: not starting plinth; returning to the firmware \(load error\)' \
	"saying plinth.efi returns to the firmware"
efi_expect_returned "Load Error"
bt_reject 'plinth\.elf: loaded at|starting plinth at|boot: loaded by' "something was loaded anyway"
bt_end
