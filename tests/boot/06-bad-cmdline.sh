#!/usr/bin/env bash
# 06-bad-cmdline.sh - a garbage command line is reported, option by option,
# and never stops the boot: an unknown option, a console that does not exist
# and a non-numeric CPU count each give a warning; the defaults stay in force
# (COM1 console, every CPU started).
. "$(dirname "$0")/lib.sh"
bt_begin bad-cmdline
bt_need_file "$BUILD/plinth.elf" "the kernel (make BUILD=$BUILD kernel)"
bt_qemu 30 -smp 4 -m 512 -kernel "$BUILD/plinth.elf" -append "test_exit foo=bar console=com9 smp=abc"
bt_expect 'warning:.*foo' "warning about the unknown option foo=bar"
bt_expect 'warning:.*(console|com9)' "warning about console=com9"
bt_expect 'warning:.*(smp|abc)' "warning about smp=abc"
bt_expect_boot 4
bt_expect_exit
bt_end
