# efi-testlib.sh - helpers for the boot tests of plinth.efi's error paths
# (tests/boot/NN-efi-*.sh), sourced after tests/boot/lib.sh.
#
#   efi_qemu_until SECS ERE ARGS...  run QEMU like bt_qemu, but stop it as
#                                    soon as a serial log line matches ERE
#                                    (sets BT_RC, BT_TIMED_OUT, BT_SECONDS;
#                                    EFI_MATCHED=1 if ERE was seen)
#   efi_expect_returned STATUS       the firmware's boot manager logged that
#                                    our boot option failed with STATUS
#                                    (the EFI_STATUS plinth.efi returned)
#
# After a UEFI application returns an error, OVMF's BdsDxe logs
#   BdsDxe: failed to start Boot0002 "UEFI QEMU HARDDISK ..." from ...: Not Found
# on the serial console and tries the next boot option (finally the UEFI
# shell, which waits for input): that line proves the return was clean.
# shellcheck disable=SC2034 # BT_* and EFI_* are read by the sourcing test
EFI_RETURNED_ERE='BdsDxe: failed to start Boot[0-9A-F]+ .*: [A-Z]'

efi_qemu_until() {
	local secs=$1 ere=$2 start pid deadline
	shift 2
	start=$(bt_now)
	deadline=$(($(date +%s) + secs))
	EFI_MATCHED=0
	# shellcheck disable=SC2046 # the accelerator arguments are words
	"$QEMU" $(sh "$BT_ROOT/scripts/qemu-accel.sh") \
		-display none -monitor none -no-reboot \
		-serial "file:$BT_LOG" \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 "$@" \
		</dev/null >"$BT_EMU_OUT" 2>&1 &
	pid=$!
	while kill -0 "$pid" 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ]; do
		if grep -a -q -E -- "$ere" "$BT_LOG" 2>/dev/null; then
			EFI_MATCHED=1
			break
		fi
		sleep 0.2
	done
	BT_TIMED_OUT=0
	if kill -0 "$pid" 2>/dev/null; then
		[ "$EFI_MATCHED" = 1 ] || BT_TIMED_OUT=1
		kill "$pid" 2>/dev/null
	fi
	BT_RC=0
	wait "$pid" || BT_RC=$?
	BT_SECONDS=$(bt_elapsed "$start")
	if [ "$EFI_MATCHED" = 0 ] && grep -a -q -E -- "$ere" "$BT_LOG" 2>/dev/null; then
		EFI_MATCHED=1   # printed just before QEMU ended
	fi
	if [ "$BT_TIMED_OUT" = 1 ]; then
		bt_fail "no line matching '$ere' within ${secs}s"
	fi
}

efi_expect_returned() {
	bt_expect "BdsDxe: failed to start Boot[0-9A-F]+ .*: $1" \
		"from the firmware saying the boot option failed with '$1' (plinth.efi did not return to it cleanly)"
}
