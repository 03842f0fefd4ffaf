#!/usr/bin/env bash
# boot-test: slow
# 45-vmx-irq.sh - the platform devices and virtual interrupts under VMX
# with EPT, in Bochs corei7_skylake_x ($BUILD/test-virq.iso,
# mk/guests-virq.mk), one guest after another:
#   fwcfg    QEMU fw_cfg at 0x510/0x511 (vmm/fw_cfg.c)
#   pic      the 8259 pair and ELCR registers (vmm/vpic.c)
#   hltstop  HLT with IF=1 and nothing armed: plinth stops that VM
#   apic     local APIC registers at 0xFEE00000 (EPT-violation MMIO,
#            vmm/vlapic.c), self-IPIs into the guest's IDT, an interrupt
#            window after STI, TPR blocking, a timer interrupt while spinning
#   mmio     instruction forms the MMIO emulator decodes, on APIC registers
#   hlt      HLT woken by the APIC timer (one-shot, pending, periodic)
. "$(dirname "$0")/lib.sh"
bt_begin vmx-irq
bt_need_file "$BUILD/test-virq.iso" "the virtual-interrupt guests ISO (make BUILD=$BUILD test-virq-iso)"
bt_bochs 240 "$BUILD/test-virq.iso" 1 corei7_skylake_x
. "$(dirname "$0")/irq-checks.sh"
bt_end
