#!/usr/bin/env bash
# 70-console-svm-qemu.sh - the console domain's scripted serial session
# (tests/console/session.py) under SVM with nested paging in QEMU TCG:
# $BUILD/test-console.iso (mk/guests-vcon.mk) boots plinth without test_exit
# so the console domain owns COM1, which is a Unix socket the script types
# into and reads from.
. "$(dirname "$0")/lib.sh"
bt_begin console-svm-qemu
bt_need_file "$BUILD/test-console.iso" "the console session ISO (make BUILD=$BUILD test-console-iso)"
sock=$BT_TMP/com1.sock
# shellcheck disable=SC2046 # the accelerator arguments are words
python3 "$BT_ROOT/tests/console/session.py" console-svm-qemu "$BT_LOG" "unix:$sock" 2 -- \
	"$QEMU" $(sh "$BT_ROOT/scripts/qemu-accel.sh") -display none -monitor none -no-reboot \
	-chardev "socket,id=com1,path=$sock,server=on,wait=off" -serial chardev:com1 \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 -smp 2 -m 512 \
	-cdrom "$BUILD/test-console.iso" -boot d
