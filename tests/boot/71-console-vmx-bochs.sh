#!/usr/bin/env bash
# boot-test: slow
# 71-console-vmx-bochs.sh - the console domain's scripted serial session
# (tests/console/session.py) under VMX with EPT in Bochs corei7_skylake_x:
# $BUILD/test-console.iso with COM1 as a TCP socket Bochs listens on
# (com1 mode=socket-server; Bochs waits for the client before it runs).
# Bochs is slower than QEMU, so every wait of the session is stretched, and
# it runs 3 create/start/pause/resume/destroy rounds (free memory exactly
# back each time) where 70-console-svm-qemu.sh runs 10.
. "$(dirname "$0")/lib.sh"
bt_begin console-vmx-bochs
bt_need_file "$BUILD/test-console.iso" "the console session ISO (make BUILD=$BUILD test-console-iso)"
# A free TCP port on the loopback interface for COM1.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sh "$BT_ROOT/scripts/bochsrc.sh" "$BUILD/test-console.iso" "$BT_TMP/unused" 2 corei7_skylake_x 512 \
	"$BUILD/test-logs/$BT_NAME.bochs.log" |
	sed "s|^com1: .*|com1: enabled=1, mode=socket-server, dev=127.0.0.1:$port|" > "$BT_TMP/bochsrc"
echo c > "$BT_TMP/bochs.cmds"
python3 "$BT_ROOT/tests/console/session.py" console-vmx-bochs "$BT_LOG" "tcp:$port" 6 3 -- \
	timeout -k 5 280 "$BOCHS" -q -f "$BT_TMP/bochsrc" -rc "$BT_TMP/bochs.cmds"
