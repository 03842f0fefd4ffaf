/* vcpu_longmode.h - start a vCPU directly in 64-bit mode (vmm/vcpu_longmode.c),
 * the state a 64-bit boot protocol hands over: the Linux boot protocol's
 * 64-bit entry (boot.rst "64-bit BOOT PROTOCOL") and flat images with
 * entry = long; and its 32-bit sibling, flat protected mode with paging
 * off (boot.rst "32-bit boot protocol"). Both load their segments with
 * vcpu_load_segments, as do vcpu.c's INIT, Multiboot and real-mode states.
 * Through vcpu_ops only. */
#ifndef VMM_VCPU_LONGMODE_H
#define VMM_VCPU_LONGMODE_H

#include <plinth/vm.h>

#define LONGMODE_CS       0x10        /* __BOOT_CS: flat code (64-bit, or 32-bit) */
#define LONGMODE_DS       0x18        /* __BOOT_DS: flat data */
#define LONGMODE_GDT_SIZE 32          /* null, null, code, data */

/* Load v's segment registers: CS = *code, ES, SS, DS, FS, GS = *data;
 * GDTR = *gdtr and IDTR = *idtr unless NULL (then left as they are).
 * LDTR and TR are left as they are. */
void vcpu_load_segments(struct vcpu *v, const struct vcpu_segment *code,
			const struct vcpu_segment *data, const struct vcpu_dtable *gdtr,
			const struct vcpu_dtable *idtr);

/* Write the boot GDT (LONGMODE_GDT_SIZE bytes at gdt_gpa) and 4-level page
 * tables identity-mapping guest-physical [0, 4 GiB) with 2 MiB pages
 * (LX_PT_SIZE bytes at pt_gpa, 4 KiB aligned; loader_linux.h) into vm's
 * RAM. 0, or -EINVAL/-EFAULT/-ENOMEM (logged). */
int longmode_write_tables(struct vm *vm, uint64_t gdt_gpa, uint64_t pt_gpa);
/* Put v in IA-32e mode on those tables: CR0.PE|PG (and ET), CR4.PAE,
 * EFER.LME|LMA, CR3 = pt_gpa, GDTR = the boot GDT, CS = LONGMODE_CS (L=1),
 * the data segments LONGMODE_DS, an empty IDT, RFLAGS = 2 (interrupts
 * off), every general register 0, RIP = rip. 0, or the backend's error
 * (-ENOTSUP if it did not activate long mode). */
int vcpu_set_long_mode_state(struct vcpu *v, uint64_t rip, uint64_t gdt_gpa, uint64_t pt_gpa);

/* The 32-bit sibling: write the boot GDT of flat 32-bit code and data
 * (LONGMODE_GDT_SIZE bytes at gdt_gpa). 0 or -EFAULT. */
int protmode_write_gdt(struct vm *vm, uint64_t gdt_gpa);
/* Put v in flat 32-bit protected mode on that GDT: CR0.PE (and ET), paging
 * off, CR4 = CR3 = 0, CS = LONGMODE_CS (D=1), the data segments
 * LONGMODE_DS, an empty IDT, RFLAGS = 2, every general register 0, EIP =
 * eip. EFER is left as it is (0 after vcpu_create). 0 or the backend's
 * error. */
int vcpu_set_protected_mode_state(struct vcpu *v, uint32_t eip, uint64_t gdt_gpa);

#endif
