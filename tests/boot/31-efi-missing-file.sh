#!/usr/bin/env bash
# 31-efi-missing-file.sh - plinth.cfg names a module that is not on the ESP
# ($BUILD/esp-missing.img): plinth.efi must say which file is missing, where
# it looked and on which plinth.cfg line it is named, and return an error to
# the firmware instead of hanging or starting plinth. OVMF's boot manager
# then logs the failed boot option with our status ("Not Found") and moves
# on; the test stops QEMU once it sees that.
. "$(dirname "$0")/lib.sh"
. "$BT_ROOT/scripts/efi-testlib.sh"
bt_begin efi-missing-file
bt_need_file "$BUILD/esp-missing.img" "the ESP test image (make BUILD=$BUILD efi-test-images)"
ovmf=$(bt_ovmf_args) || { bt_fail "no OVMF firmware in /usr/share/OVMF (package ovmf)"; bt_end; }
# shellcheck disable=SC2086 # two -drive arguments
efi_qemu_until 60 "$EFI_RETURNED_ERE" -smp 2 -m 256 $ovmf -net none \
	-drive format=raw,snapshot=on,file="$BUILD/esp-missing.img"
bt_expect 'plinth\.efi: module hello\.txt: 23 bytes' "loading the module before the missing one"
bt_expect 'plinth\.efi: error: guests/missing\.elf: cannot open \\EFI\\BOOT\\guests\\missing\.elf: not found' \
	"naming the missing file, its path and the reason"
bt_expect 'plinth\.efi: error: plinth\.cfg:5: cannot load module guests/missing\.elf' \
	"naming the plinth.cfg line"
bt_expect 'plinth\.efi: error: not starting plinth; returning to the firmware \(not found\)' \
	"saying plinth.efi returns to the firmware"
efi_expect_returned "Not Found"
bt_reject 'starting plinth at|boot: loaded by' "plinth was started anyway"
bt_end
