# console.mk - the console domain (console/): plinth's own freestanding
# image that runs the administration shell on the serial port. Built as an
# ELF64 Multiboot 1 kernel (32-bit entry, then long mode) and linked into
# plinth.elf as a blob (vmm/console_blob.S), so every way of booting plinth
# (-kernel, GRUB ISO, UEFI) has it without an extra boot module.
#
#   $(BUILD)/console.elf         the image (with debug information)
#   $(BUILD)/console-blob.elf    the same, stripped: what plinth carries
#
# The shell's pure parts (console/lineedit.c, console/shell.c, console/out.c)
# are also host-tested: tests/unit/console_*.mk.

CONSOLE_CC ?= $(CC)
CONSOLE_SRCS := console/main.c console/machine.c console/serial.c console/hcall.c \
	console/lineedit.c console/shell.c console/out.c lib/printf.c lib/string.c lib/strutil.c
CONSOLE_OBJS := $(patsubst %.c,$(BUILD)/console/%.o,$(CONSOLE_SRCS)) $(BUILD)/console/console/start.o
CONSOLE_CFLAGS := -std=c11 -ffreestanding -nostdinc -fno-builtin -O2 -g \
	-isystem $(shell $(CONSOLE_CC) -print-file-name=include) \
	-mno-red-zone -mno-sse -mno-sse2 -mno-mmx -mno-avx -mno-80387 -mcmodel=small \
	-fno-stack-protector -fno-pic -fno-pie -fno-common -fno-asynchronous-unwind-tables \
	$(WARN) -Iinclude -Iconsole -MMD -MP
ifeq ($(findstring clang,$(shell $(CONSOLE_CC) --version 2>/dev/null | head -n1)),)
CONSOLE_CFLAGS += -mgeneral-regs-only
else
CONSOLE_CFLAGS += -Wno-unused-command-line-argument
CONSOLE_CLANG_LDFLAGS := -Wno-unused-command-line-argument
endif
CONSOLE_LDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-z,max-page-size=0x1000 \
	-Wl,-z,noexecstack -Wl,--no-warn-rwx-segments -Wl,-T,console/console.ld \
	$(CONSOLE_CLANG_LDFLAGS)

$(BUILD)/console/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $< (console)"
	$(Q)$(CONSOLE_CC) $(CONSOLE_CFLAGS) -c $< -o $@
$(BUILD)/console/console/start.o: console/start.S
	@mkdir -p $(dir $@)
	@echo "  AS      $< (console)"
	$(Q)$(CONSOLE_CC) -D__ASSEMBLY__ -Iinclude -MMD -MP -c $< -o $@

$(BUILD)/console.elf: $(CONSOLE_OBJS) console/console.ld
	@echo "  LD      $@"
	$(Q)$(CONSOLE_CC) $(CONSOLE_LDFLAGS) -o $@ $(CONSOLE_OBJS)
$(BUILD)/console-blob.elf: $(BUILD)/console.elf
	$(Q)$(OBJCOPY) --strip-debug $< $@

# plinth carries the image: the blob's object includes it (.incbin).
$(BUILD)/k/vmm/console_blob.S.o: $(BUILD)/console-blob.elf
$(BUILD)/k/vmm/console_blob.S.o: KASFLAGS += -DCONSOLE_BLOB='"$(BUILD)/console-blob.elf"'

-include $(wildcard $(BUILD)/console/*/*.d $(BUILD)/console/*/*/*.d)

.PHONY: console
console: $(BUILD)/console.elf
