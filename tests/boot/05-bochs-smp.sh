#!/usr/bin/env bash
# boot-test: slow
# 05-bochs-smp.sh - the GRUB ISO (multiboot2 entry) in Bochs with the Skylake-X
# model (VMX with EPT) and 2 CPUs: the Bochs BIOS, its ACPI/MP tables and a
# second CPU started by INIT-SIPI-SIPI. Bochs is slow: 120 s limit. If the
# second CPU does not come up, this fails and says so (no fallback to 1 CPU).
. "$(dirname "$0")/lib.sh"
bt_begin bochs-smp
bt_need_file "$BUILD/test.iso" "the test ISO (make BUILD=$BUILD test-isos)"
bt_bochs 120 "$BUILD/test.iso" 2 corei7_skylake_x
if ! grep -a -q -E '(2 of 2 CPUs online|smp: 2 CPUs online)' "$BT_LOG"; then
	online=$(grep -a -o -E '[0-9]+ of [0-9]+ CPUs online' "$BT_LOG" | tail -n1)
	bt_fail "Bochs SMP: the second CPU did not come online${online:+ ($online)}"
fi
bt_expect_boot 2
bt_expect_exit
bt_end
