# efi.mk - plinth.efi, the native UEFI loader (boot/efi/, GNU-EFI), and FAT
# ESP images that boot it (scripts/efi-mkesp.sh, mtools). See docs/uefi.md.
#
#   make efi                      $(BUILD)/plinth.efi
#   make esp                      $(BUILD)/esp.img: EFI/BOOT/BOOTX64.EFI,
#                                 plinth.elf, plinth.cfg and its modules
#   make esp ESP_CFG=my.cfg ESP_IMG=$(BUILD)/esp-my.img
#                                 another configuration, another image
#   make esp ESP_SEARCH="dir1 dir2"   where module files named in the
#                                 configuration are looked up (default:
#                                 $(BUILD), then the source tree)
#   make esp ESP_ALLOW_MISSING=1  image even if a named module is missing
#                                 (for tests of plinth.efi's error path)
#
# GNU-EFI (Debian gnu-efi 3.0.15): crt0-efi-x86_64.o applies our ELF
# relocations and calls efi_main(ImageHandle, SystemTable) with the System V
# convention; firmware calls through the system table use the MS x64
# convention, which GNU_EFI_USE_MS_ABI makes the compiler emit directly
# (EFIAPI = __attribute__((ms_abi)), no efi_callN trampolines). The app is
# linked as a position-independent shared object with gnu-efi's linker
# script and converted to a PE32+ EFI application (subsystem 10) by objcopy.

EFI_INC    ?= /usr/include/efi
EFI_LIBDIR ?= /usr/lib
EFI_CRT0   := $(EFI_LIBDIR)/crt0-efi-x86_64.o
EFI_LDS    := $(EFI_LIBDIR)/elf_x86_64_efi.lds
LD         ?= ld

# The app, plus the pure code it shares with the kernel: the boot_info
# builders (memory map conversion) and the freestanding libc subset.
EFI_SRCS := $(sort $(wildcard boot/efi/*.c)) boot/boot_info.c boot/efi_mmap.c \
	    lib/printf.c lib/string.c lib/strutil.c
EFI_OBJS := $(patsubst %,$(BUILD)/efi/%.o,$(EFI_SRCS))

EFI_CFLAGS := -std=c11 -ffreestanding -fno-builtin-printf -nostdinc -O2 -g \
	      -fpic -fshort-wchar -mno-red-zone -fno-stack-protector \
	      -fno-strict-aliasing -fno-common -fno-asynchronous-unwind-tables \
	      -DGNU_EFI_USE_MS_ABI \
	      -isystem $(shell $(CC) -print-file-name=include) \
	      -isystem $(EFI_INC) -isystem $(EFI_INC)/x86_64 \
	      $(WARN) -Iinclude -MMD -MP
ifneq ($(findstring clang,$(shell $(CC) --version 2>/dev/null | head -n1)),)
EFI_CFLAGS += -Wno-gnu-statement-expression -Wno-unused-command-line-argument
else
# MS-ABI calls from GCC: preallocated outgoing-argument space, as gnu-efi
# recommends.
EFI_CFLAGS += -maccumulate-outgoing-args
endif

$(BUILD)/efi/%.c.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC [efi] $<"
	$(Q)$(CC) $(EFI_CFLAGS) -c $< -o $@

# --no-undefined: a shared object would otherwise link with unresolved
# symbols and jump to address 0 in the firmware.
$(BUILD)/efi/plinth.so: $(EFI_OBJS) $(EFI_CRT0) $(EFI_LDS)
	@echo "  LD      $@"
	$(Q)$(LD) -nostdlib -znocombreloc -shared -Bsymbolic --no-undefined \
		-T $(EFI_LDS) -L$(EFI_LIBDIR) $(EFI_CRT0) $(EFI_OBJS) \
		-lefi -lgnuefi -o $@

$(BUILD)/plinth.efi: $(BUILD)/efi/plinth.so
	@echo "  OBJCOPY $@"
	$(Q)$(OBJCOPY) -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel \
		-j .rela -j .reloc --target=efi-app-x86_64 --subsystem=10 $< $@

-include $(EFI_OBJS:.o=.d)

efi: $(BUILD)/plinth.efi

# ---------------------------------------------------------------- ESP images
ESP_CFG           ?= boot/efi/plinth.cfg
ESP_IMG           ?= $(BUILD)/esp.img
ESP_SEARCH        ?= $(BUILD) .
ESP_ALLOW_MISSING ?= 0

# $(call mkesp,IMAGE,CONFIG,ALLOW_MISSING,SEARCH): the recipe for one image.
mkesp = ESP_SEARCH="$(4)" ESP_ALLOW_MISSING=$(3) \
	sh scripts/efi-mkesp.sh $(1) $(2) $(BUILD)/plinth.efi $(BUILD)/plinth.elf

# Always rebuilt: the modules a configuration names are not known to make.
esp: $(BUILD)/plinth.efi $(BUILD)/plinth.elf
	$(Q)$(call mkesp,$(ESP_IMG),$(ESP_CFG),$(ESP_ALLOW_MISSING),$(ESP_SEARCH))

# ---------------------------------------------------------------- boot tests
# Images the boot tests tests/boot/NN-efi-*.sh start in QEMU with OVMF:
#   esp-test.img     plinth with test_exit and one module (hello.txt)
#   esp-missing.img  plinth.cfg names a module that is not on the image
#   esp-badcfg.img   plinth.cfg has a line plinth.efi must reject
EFI_TEST_DIR     := $(BUILD)/efi-test
EFI_TEST_OPTIONS := test_exit
EFI_TEST_IMAGES  := $(BUILD)/esp-test.img $(BUILD)/esp-missing.img $(BUILD)/esp-badcfg.img
EFI_TEST_INPUTS  := $(BUILD)/plinth.efi $(BUILD)/plinth.elf scripts/efi-mkesp.sh mk/efi.mk

$(EFI_TEST_DIR)/boot.cfg: mk/efi.mk
	@mkdir -p $(dir $@)
	$(Q)printf '# esp-test.img (mk/efi.mk)\nkernel = plinth.elf\noptions = %s\nmodule = hello.txt greeting=1\n' \
		'$(EFI_TEST_OPTIONS)' > $@
$(EFI_TEST_DIR)/missing.cfg: mk/efi.mk
	@mkdir -p $(dir $@)
	$(Q)printf '# esp-missing.img (mk/efi.mk)\nkernel = plinth.elf\noptions = %s\nmodule = hello.txt\nmodule = guests/missing.elf a b\n' \
		'$(EFI_TEST_OPTIONS)' > $@
$(EFI_TEST_DIR)/badcfg.cfg: mk/efi.mk
	@mkdir -p $(dir $@)
	$(Q)printf '# esp-badcfg.img (mk/efi.mk)\nkernel = plinth.elf\n\noptions = %s\nmodules = hello.txt\n' \
		'$(EFI_TEST_OPTIONS)' > $@
$(EFI_TEST_DIR)/hello.txt: mk/efi.mk
	@mkdir -p $(dir $@)
	$(Q)printf 'plinth.efi test module\n' > $@

$(BUILD)/esp-test.img: $(EFI_TEST_DIR)/boot.cfg $(EFI_TEST_DIR)/hello.txt $(EFI_TEST_INPUTS)
	$(Q)$(call mkesp,$@,$<,0,$(EFI_TEST_DIR))
$(BUILD)/esp-missing.img: $(EFI_TEST_DIR)/missing.cfg $(EFI_TEST_DIR)/hello.txt $(EFI_TEST_INPUTS)
	$(Q)$(call mkesp,$@,$<,1,$(EFI_TEST_DIR))
$(BUILD)/esp-badcfg.img: $(EFI_TEST_DIR)/badcfg.cfg $(EFI_TEST_DIR)/hello.txt $(EFI_TEST_INPUTS)
	$(Q)$(call mkesp,$@,$<,0,$(EFI_TEST_DIR))

.PHONY: efi-test-images
efi-test-images: $(EFI_TEST_IMAGES)
boot-test: $(EFI_TEST_IMAGES)
