# vmscfg-checks.sh - the log checks shared by the vms.cfg boot tests
# (50-vmscfg-vmx.sh, 51-vmscfg-svm-qemu.sh), sourced after the emulator
# ran: the same lines must appear on both backends.
bt_expect 'vms\.cfg:20: unknown key "memroy"' "'vms.cfg:20: unknown key \"memroy\"' (bad line with its number)"
bt_expect 'vms\.cfg:34: vcpus: 65 is out of range \(1\.\.64\)' "'vms.cfg:34: vcpus: 65 is out of range (1..64)'"
bt_expect 'vms\.cfg: 2 errors, 6 VMs configured' "'vms.cfg: 2 errors, 6 VMs configured'"
bt_expect 'vm lost: image missing\.elf \(vms\.cfg line 23\): no boot module provides it; VM not started' \
	"'vm lost: image missing.elf (vms.cfg line 23): no boot module provides it ...'"
bt_expect 'vm smp: [0-9]+ KiB RAM, 2 vCPU' "'vm smp: N KiB RAM, 2 vCPU ...' (vcpus from vms.cfg)"
bt_expect 'vm idle: configured with autostart=no; not started' "'vm idle: configured with autostart=no ...'"
for g in small mods bootsector smp; do
	bt_expect "\\[$g\\] SUMMARY: [1-9][0-9]* passed, 0 failed" "'[$g] SUMMARY: N passed, 0 failed'"
	bt_expect "vm $g: exit code 0[[:space:]]*\$" "'vm $g: exit code 0'"
	bt_expect "vm $g: stopped after [0-9]+\\.[0-9]{3} s \\(guest [0-9]+\\.[0-9]{3} s\\), [1-9][0-9]* exits: [a-z]" \
		"'vm $g: stopped after S s (guest S s), N exits: ...' (statistics)"
done
bt_expect 'vm small: 8192 KiB RAM' "'vm small: 8192 KiB RAM ...' (memory from vms.cfg)"
bt_expect 'vm mods: multiboot image mbinfo64\.elf, entry 0x[0-9a-f]+, 2 modules' \
	"'vm mods: multiboot image mbinfo64.elf, ..., 2 modules'"
bt_expect '\[mods\] module: mod-b\.txt at 0x' "the mbinfo guest listing its second module"
bt_expect 'vm bootsector: flat image flat16\.bin at 0x7c00, real mode at 0000:7c00' \
	"'vm bootsector: flat image flat16.bin at 0x7c00, real mode at 0000:7c00'"
bt_expect 'vm small: stopped after .* exits: .*cpuid [1-9]' "cpuid exits counted for VM small"
bt_expect 'vmm: 4 VMs ran \(others failed to start, see above\)' "'vmm: 4 VMs ran (others failed to start ...)'"
bt_reject '\[(broken|lost|toomany|idle)\]' "a VM that must not start printed something"
bt_reject '\] FAIL:' "a failed guest check"
bt_reject 'vm [a-z]+: (unhandled exit|.*VM entry failed|VMRUN failed)' "a VM exit plinth could not handle"
bt_reject 'PANIC|EXCEPTION' "unexpected panic or exception"
bt_expect 'boot complete' "'boot complete'"
