# irq-checks.sh - the log checks of the virtual-interrupt guests ISO
# ($BUILD/test-virq.iso: fwcfg, pic, hltstop, apic, mmio, hlt), shared by
# 45-vmx-irq.sh, 46-svm-irq-qemu.sh and 47-svm-irq-bochs-ryzen.sh and
# sourced after the emulator ran.
bt_expect_guests fwcfg pic apic mmio hlt
bt_expect 'vm hltstop: stopped: halted at rip 0x[0-9a-f]+ waiting for an interrupt \(no interrupt source is armed\)' \
	"'vm hltstop: stopped: halted ... waiting for an interrupt (no interrupt source is armed)'"
bt_reject '\[hltstop\] FAIL' "HLT returned in the hltstop guest"
bt_expect '\[apic\] PASS: taken after STI \(interrupt window\)' "'[apic] PASS: taken after STI (interrupt window)'"
bt_expect '\[hlt\] PASS: HLT did not return early' "'[hlt] PASS: HLT did not return early'"
bt_expect 'vmm: 6 VMs ran' "'vmm: 6 VMs ran'"
bt_expect_clean_vms '[a-z]+'
