#!/usr/bin/env bash
# 07-panic.sh - the panic path works: the boot option panic_test makes plinth
# panic on purpose; the log must show the PANIC message and a symbolised
# backtrace line (an address in plinth's text with function+offset), and
# plinth must end the emulator itself (no test_exit: only the panic path can
# end QEMU here, through isa-debug-exit; no hang until the timeout).
. "$(dirname "$0")/lib.sh"
bt_begin panic
bt_need_file "$BUILD/plinth.elf" "the kernel (make BUILD=$BUILD kernel)"
bt_qemu 30 -smp 4 -m 512 -kernel "$BUILD/plinth.elf" -append "panic_test"
bt_expect 'PANIC' "'PANIC'"
bt_expect '[fF]{8}8[0-9a-fA-F]{7}.*[A-Za-z_][A-Za-z0-9_.]*\+0x[0-9a-fA-F]+' \
	"with a backtrace frame (kernel address and function+0xoffset)"
bt_expect_exit
bt_end
