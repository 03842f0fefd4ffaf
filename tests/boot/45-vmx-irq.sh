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
for g in fwcfg pic apic mmio hlt; do
	bt_expect "\\[$g\\] SUMMARY: [1-9][0-9]* passed, 0 failed" "'[$g] SUMMARY: N passed, 0 failed'"
	bt_expect "vm $g: exit code 0[[:space:]]*\$" "'vm $g: exit code 0'"
done
bt_expect 'vm hltstop: stopped: halted at rip 0x[0-9a-f]+ waiting for an interrupt \(no interrupt source is armed\)' \
	"'vm hltstop: stopped: halted ... waiting for an interrupt (no interrupt source is armed)'"
bt_reject '\[hltstop\] FAIL' "HLT returned in the hltstop guest"
bt_expect '\[apic\] PASS: taken after STI \(interrupt window\)' "'[apic] PASS: taken after STI (interrupt window)'"
bt_expect '\[hlt\] PASS: HLT did not return early' "'[hlt] PASS: HLT did not return early'"
bt_expect 'vmm: 6 VMs ran' "'vmm: 6 VMs ran'"
bt_reject '\] FAIL:' "a failed guest check"
bt_reject 'vm [a-z]+: (unhandled exit|.*VM entry failed)' "a VM exit plinth could not handle"
bt_reject 'PANIC|EXCEPTION' "unexpected panic or exception"
bt_expect 'boot complete' "'boot complete'"
bt_expect_exit
bt_end
