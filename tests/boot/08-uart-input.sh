#!/usr/bin/env bash
# 08-uart-input.sh - serial input reaches plinth through the UART's receive
# interrupt (IRQ 4 via the IOAPIC): with uart_rx_test, plinth halts and waits
# for a line; this script types one into QEMU's COM1 once plinth says it is
# waiting, and expects plinth to log the line and a non-zero interrupt count.
. "$(dirname "$0")/lib.sh"
bt_begin uart-input
bt_need_file "$BUILD/plinth.elf" "the kernel (make BUILD=$BUILD kernel)"
# QEMU's pipe chardev reads PATH.in and writes PATH.out.
mkfifo "$BT_TMP/ser.in" "$BT_TMP/ser.out"
cat "$BT_TMP/ser.out" > "$BT_LOG" &
(
	for _ in $(seq 300); do
		grep -a -q 'uart_rx_test: waiting' "$BT_LOG" 2>/dev/null && break
		sleep 0.1
	done
	printf 'hello plinth\r' > "$BT_TMP/ser.in"
) &
start=$(bt_now)
BT_RC=0
# shellcheck disable=SC2046 # the accelerator arguments are words
timeout -k 5 30 "$QEMU" $(sh "$BT_ROOT/scripts/qemu-accel.sh") -display none -monitor none \
	-no-reboot -chardev "pipe,id=com1,path=$BT_TMP/ser" -serial chardev:com1 \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 -smp 2 -m 256 \
	-kernel "$BUILD/plinth.elf" -append "test_exit uart_rx_test" </dev/null >"$BT_EMU_OUT" 2>&1 || BT_RC=$?
BT_SECONDS=$(bt_elapsed "$start")
case "$BT_RC" in 124|137) BT_TIMED_OUT=1 ;; esac
wait
bt_expect 'uart_rx_test: received "hello plinth" \(12 bytes\) through [1-9][0-9]* interrupts' \
	"logging the typed line received through interrupts"
bt_reject 'no receive interrupt' "no interrupt was delivered"
bt_expect_boot 2
bt_expect_exit
bt_end
