# plinth - a bare-metal type-1 hypervisor for x86-64.
#
#   make            build/plinth.elf (multiboot 1 + 2 kernel)
#   make iso        build/plinth.iso (GRUB, BIOS + UEFI hybrid)
#   make efi        build/plinth.efi (native UEFI loader, GNU-EFI)
#   make esp        build/esp.img (FAT ESP image for USB sticks / OVMF)
#   make test       host unit tests + emulator boot tests, "N passed, N failed"
#   make run        boot in QEMU (KVM when nested virtualization works, else TCG)
#   make bench      benchmarks (not tests)
#
# BUILD=dir puts every output under dir (parallel builds of one tree).
# Unit tests are declared by fragments tests/unit/*.mk:
#   UNIT_TESTS += name
#   UT_name_SRCS := tests/unit/test_name.c mm/buddy.c ...

BUILD   ?= build
CC      ?= gcc
ifeq ($(origin CC),default)
CC      := gcc
endif
HOSTCC  ?= gcc
NM      ?= nm
OBJCOPY ?= objcopy
V       ?= 0
Q       := $(if $(filter 1,$(V)),,@)

KERNEL_DIRS := boot arch mm drivers vmm scheduler lib
KSRCS := $(sort $(shell find $(KERNEL_DIRS) \( -name '*.c' -o -name '*.S' \) \
		-not -path 'boot/efi/*' 2>/dev/null))
KOBJS := $(patsubst %,$(BUILD)/k/%.o,$(KSRCS))

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	   -Wno-unused-parameter -Wvla -Wpointer-arith
KCFLAGS := -std=c11 -ffreestanding -fno-builtin-printf -nostdinc -O2 -g \
	   -mno-red-zone -mcmodel=kernel -mno-sse -mno-sse2 -mno-mmx -mno-avx \
	   -mno-80387 -fno-stack-protector -fno-pic -fno-pie -fno-omit-frame-pointer \
	   -fno-strict-aliasing -fno-common -fno-asynchronous-unwind-tables \
	   -isystem $(shell $(CC) -print-file-name=include) \
	   $(WARN) -Iinclude -MMD -MP
KASFLAGS := -D__ASSEMBLY__ -Iinclude -MMD -MP -g
KLDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-z,max-page-size=0x1000 \
	    -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments -T linker.ld
ifneq ($(findstring clang,$(shell $(CC) --version 2>/dev/null | head -n1)),)
KCFLAGS += -Wno-gnu-statement-expression -Wno-unused-command-line-argument
KLDFLAGS += -Wno-unused-command-line-argument
else
KCFLAGS += -mgeneral-regs-only
endif

.PHONY: all kernel iso efi esp test unit-test boot-test bench run debug clean deps
all: kernel
kernel: $(BUILD)/plinth.elf

$(BUILD)/k/%.c.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(KCFLAGS) -c $< -o $@
$(BUILD)/k/%.S.o: %.S
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	$(Q)$(CC) $(KASFLAGS) -c $< -o $@

# Two links: the first without a symbol table; scripts/gen-ksyms.sh turns its
# text symbols into a table placed after all other read-only data, so text
# addresses are identical in the second, final link.
$(BUILD)/plinth.elf: $(KOBJS) linker.ld scripts/gen-ksyms.sh
	@echo "  LD      $@"
	$(Q)printf '.section .rodata.ksyms,"a"\n.globl ksyms_count\nksyms_count: .quad 0\n.globl ksyms\nksyms:\n' > $(BUILD)/ksyms0.S
	$(Q)$(CC) $(KASFLAGS) -c $(BUILD)/ksyms0.S -o $(BUILD)/ksyms0.o
	$(Q)$(CC) $(KLDFLAGS) -o $(BUILD)/plinth.pass1.elf $(KOBJS) $(BUILD)/ksyms0.o
	$(Q)sh scripts/gen-ksyms.sh $(NM) $(BUILD)/plinth.pass1.elf > $(BUILD)/ksyms.S
	$(Q)$(CC) $(KASFLAGS) -c $(BUILD)/ksyms.S -o $(BUILD)/ksyms.o
	$(Q)$(CC) $(KLDFLAGS) -o $@ $(KOBJS) $(BUILD)/ksyms.o
	$(Q)sh scripts/check-ksyms.sh $(NM) $(BUILD)/plinth.pass1.elf $@

-include $(KOBJS:.o=.d)

# ---------------------------------------------------------------- unit tests
UNIT_TESTS :=
include $(sort $(wildcard tests/unit/*.mk))
UT_CFLAGS := -std=c11 -g -O1 -DPLINTH_HOST_TEST -D_DEFAULT_SOURCE \
	     -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
	     $(WARN) -Wno-missing-prototypes -Iinclude -Itests/unit
define ut_rule
$(BUILD)/unit/$(1): $$(UT_$(1)_SRCS) tests/unit/host_support.c $$(wildcard include/*/*.h tests/unit/*.h)
	@mkdir -p $$(dir $$@)
	@echo "  HOSTCC  $$@"
	$(Q)$(HOSTCC) $(UT_CFLAGS) -o $$@ $$(UT_$(1)_SRCS) tests/unit/host_support.c -lcmocka
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call ut_rule,$(t))))
UNIT_BINS := $(addprefix $(BUILD)/unit/,$(UNIT_TESTS))

unit-test: $(UNIT_BINS)
	$(Q)BUILD=$(BUILD) sh tests/run-unit.sh $(UNIT_BINS)

# ---------------------------------------------------------------- images
include $(sort $(wildcard mk/*.mk))

clean:
	rm -rf $(BUILD)
