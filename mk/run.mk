# run.mk - boot plinth interactively, its serial console on this terminal.
#
#   make run                     QEMU, -kernel plinth.elf (multiboot 1) with
#                                the default VMs as -initrd modules
#   make run BOOT=iso            QEMU, the GRUB ISO on BIOS (multiboot2 entry)
#   make run BOOT=uefi           QEMU, the GRUB ISO on OVMF (UEFI)
#   make run EMU=bochs           Bochs (corei7_skylake_x: VMX + EPT), the ISO
#   make run CMDLINE="loglevel=debug smp=2" SMP=4 MEM=1024
#   make debug                   QEMU stopped at the first instruction, waiting
#                                for gdb on :1234 (gdb -x $(BUILD)/plinth.gdb)
#
# Every way carries the default VMs (DEFAULT_VMS, mk/iso.mk): the console
# domain's prompt "plinth> " comes first, the VM "linux" boots behind it
# (`vm list`; `console linux` reaches its shell, Ctrl-] comes back).
# DEFAULT_VMS= boots plinth with the console domain alone.
#
# QEMU uses KVM (-enable-kvm -cpu host) only when nested virtualization
# works on this host, else TCG with an SVM + NPT CPU model (see
# scripts/qemu-accel.sh; QEMU_ACCEL=tcg|kvm forces one). In QEMU, Ctrl-A X
# quits and Ctrl-A C switches to the monitor. In Bochs, COM1 output goes to
# the terminal and Ctrl-C stops the simulation at the debugger prompt ("q"
# quits); BOCHS_SERIAL=term makes the terminal COM1 in both directions
# (keyboard input reaches plinth, but Bochs then passes Ctrl-C to the guest,
# so it must be ended from another terminal).

EMU       ?= qemu
BOOT      ?= kernel
CMDLINE   ?=
SMP       ?= $(if $(filter bochs,$(EMU)),2,4)
MEM       ?= 1024
QEMU      ?= qemu-system-x86_64
BOCHS     ?= bochs
BOCHS_CPU ?= corei7_skylake_x
BOCHS_SERIAL ?= stdout
OVMF_CODE ?= $(firstword $(wildcard /usr/share/OVMF/OVMF_CODE_4M.fd /usr/share/OVMF/OVMF_CODE.fd))
OVMF_VARS ?= $(subst OVMF_CODE,OVMF_VARS,$(OVMF_CODE))

QEMU_RUN_ARGS = -smp $(SMP) -m $(MEM) -serial mon:stdio -display none -no-reboot \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04

# The ISO for interactive runs: the CMDLINE options, a short menu delay.
$(BUILD)/stamps/run.iso.args: FORCE
	$(call iso_args,$@,$(CMDLINE) | $(ISO_MODULES) | $(DEFAULT_VM_MODULES))

$(BUILD)/run.iso: $(BUILD)/plinth.elf scripts/mkiso.sh $(BUILD)/stamps/run.iso.args \
		$$(iso_module_files) $$(DEFAULT_VM_MODULES) | $(DEPS_STAMP)
	$(Q)$(call mkiso,$@,$(CMDLINE),mb2,1,$(DEFAULT_VM_MODULES))

# -kernel: QEMU loads the modules itself (Multiboot 1 modules, one per
# comma-separated file of -initrd; each module's string is its path, whose
# basename is what vms.cfg names).
run_comma := ,
run_empty :=
run_space := $(run_empty) $(run_empty)
QEMU_INITRD_ARGS = $(if $(strip $(DEFAULT_VM_MODULES)),-initrd "$(subst $(run_space),$(run_comma),$(strip $(DEFAULT_VM_MODULES)))")

ifeq ($(EMU),bochs)
RUN_INPUTS := $(BUILD)/run.iso
else ifeq ($(EMU),qemu)
ifeq ($(BOOT),kernel)
RUN_INPUTS = $(BUILD)/plinth.elf $(DEFAULT_VM_MODULES)
QEMU_BOOT_ARGS = -kernel $(BUILD)/plinth.elf -append "$(CMDLINE)" $(QEMU_INITRD_ARGS)
else ifeq ($(BOOT),iso)
RUN_INPUTS := $(BUILD)/run.iso
QEMU_BOOT_ARGS = -cdrom $(BUILD)/run.iso -boot d
else ifeq ($(BOOT),uefi)
RUN_INPUTS := $(BUILD)/run.iso
QEMU_BOOT_ARGS = -drive if=pflash,format=raw,unit=0,readonly=on,file=$(OVMF_CODE) \
	-drive if=pflash,format=raw,unit=1,file=$(BUILD)/run-ovmf-vars.fd -cdrom $(BUILD)/run.iso
else
RUN_ERROR := BOOT must be kernel, iso or uefi, not '$(BOOT)'
endif
else
RUN_ERROR := EMU must be qemu or bochs, not '$(EMU)'
endif

run: $(DEPS_STAMP) $(RUN_INPUTS)
ifneq ($(RUN_ERROR),)
	@echo "run: $(RUN_ERROR)"; exit 2
else ifeq ($(EMU),bochs)
	$(Q)sh scripts/bochsrc.sh $(BUILD)/run.iso $(BOCHS_SERIAL) $(SMP) $(BOCHS_CPU) $(MEM) \
		$(BUILD)/run-bochs.log > $(BUILD)/run.bochsrc
	$(Q)echo c > $(BUILD)/run.bochs-cmds
	@echo "run: Bochs $(BOCHS_CPU), $(SMP) CPUs, $(MEM) MiB; its log: $(BUILD)/run-bochs.log"
ifeq ($(BOCHS_SERIAL),term)
	@echo "run: the terminal is COM1 in both directions; end Bochs from another terminal (kill)"
else
	@echo "run: Ctrl-C stops the simulation at Bochs' debugger prompt; 'q' then quits"
endif
	@# Status 1 is plinth ending Bochs through its shutdown port (test_exit).
	$(Q)$(BOCHS) -q -f $(BUILD)/run.bochsrc -rc $(BUILD)/run.bochs-cmds || [ $$? -eq 1 ]
else
ifeq ($(BOOT),uefi)
	$(Q)test -n "$(OVMF_CODE)" || { echo "run: no OVMF firmware (package ovmf)"; exit 1; }
	$(Q)cp $(OVMF_VARS) $(BUILD)/run-ovmf-vars.fd
endif
	@echo "run: QEMU ($(BOOT)), $(SMP) CPUs, $(MEM) MiB; Ctrl-A X quits, Ctrl-A C is the monitor"
	@# Status 1 is plinth ending QEMU through isa-debug-exit with 0 (test_exit).
	$(Q)$(QEMU) $$(sh scripts/qemu-accel.sh --why) $(QEMU_RUN_ARGS) $(QEMU_BOOT_ARGS) || [ $$? -eq 1 ]
endif

# gdb connects to QEMU's gdbstub; the script loads plinth's symbols and stops
# at the C entry point (the first instructions run in 32-bit mode without the
# image mapped, so a hardware breakpoint on the 64-bit code is the first
# useful stop).
$(BUILD)/plinth.gdb: mk/run.mk
	@mkdir -p $(dir $@)
	$(Q)printf '%s\n' \
		'# generated by mk/run.mk: gdb -x $@' \
		'set pagination off' \
		'set confirm off' \
		'file $(BUILD)/plinth.elf' \
		'set architecture i386:x86-64' \
		'target remote localhost:1234' \
		'hbreak boot_entry' \
		'echo plinth: stopped before the firmware ran; "continue" runs to boot_entry\n' \
		> $@

debug: $(DEPS_STAMP) $(BUILD)/plinth.elf $(BUILD)/plinth.gdb
	@echo "debug: QEMU waits for gdb on localhost:1234. In another terminal run:"
	@echo "debug:     gdb -x $(BUILD)/plinth.gdb"
	@echo "debug: Ctrl-A X quits QEMU."
	$(Q)$(QEMU) $$(sh scripts/qemu-accel.sh --why) $(QEMU_RUN_ARGS) \
		-kernel $(BUILD)/plinth.elf -append "$(CMDLINE)" -s -S || [ $$? -eq 1 ]
