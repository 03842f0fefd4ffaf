#!/usr/bin/env bash
# boot-test: slow
# 50-vmscfg-vmx.sh - VMs from the boot module vms.cfg under VMX (Bochs
# corei7_skylake_x), ISO $BUILD/test-vmscfg.iso (mk/guests.mk) with
# tests/boot/vmscfg-test.cfg:
#   small       ELF32 multiboot guest (cpuid) with memory=8M: passes, sees 8 MiB
#   mods        ELF64 multiboot guest (mbinfo64) with a command line and two
#               modules: checks the Multiboot information and passes
#   broken      a misspelt key on line 20: reported with its line, skipped
#   lost        an image no boot module provides: reported, skipped
#   smp         vcpus=2: runs the cpuid guest on its BSP (the AP waits for a SIPI)
#   toomany     vcpus=65 on line 34: reported with its line, skipped
#   bootsector  a flat 16-bit image started in real mode at 0000:7C00
#   idle        autostart=no: configured, not started
# and every VM that ran prints its statistics line.
. "$(dirname "$0")/lib.sh"
bt_begin vmscfg-vmx
bt_need_file "$BUILD/test-vmscfg.iso" "the vms.cfg test ISO (make BUILD=$BUILD test-isos)"
bt_bochs 180 "$BUILD/test-vmscfg.iso" 1 corei7_skylake_x
. "$(dirname "$0")/vmscfg-checks.sh"
bt_expect_exit
bt_end
