/* vcpu_longmode.c - a vCPU started in 64-bit mode, or in flat 32-bit
 * protected mode (see vcpu_longmode.h). */
#include <plinth/log.h>
#include <plinth/mm.h>
#include <plinth/string.h>
#include <x86/cpu.h>
#include "loader_linux.h"
#include "vcpu_longmode.h"

/* The boot GDT's descriptors (SDM vol. 3 §3.4.5): base 0, limit 4 GiB,
 * accessed. A 64-bit code segment has L=1 and D=0 (§3.4.5.1), a 32-bit
 * one D=1. */
#define GDT_CODE64 0x00AF9B000000FFFFull   /* execute/read, L */
#define GDT_CODE32 0x00CF9B000000FFFFull   /* execute/read, D */
#define GDT_DATA   0x00CF93000000FFFFull   /* read/write, B */
/* The same as access rights in the layout both backends take (the VMX
 * one): G, L or D/B, P, S, type. */
#define ATTR_CODE64 0xA9B
#define ATTR_CODE32 0xC9B
#define ATTR_DATA   0xC93

void vcpu_load_segments(struct vcpu *v, const struct vcpu_segment *code,
			const struct vcpu_segment *data, const struct vcpu_dtable *gdtr,
			const struct vcpu_dtable *idtr)
{
	vcpu_ops->set_seg(v, SEG_CS, code);
	for (enum vcpu_seg s = SEG_ES; s <= SEG_GS; s++)
		if (s != SEG_CS)
			vcpu_ops->set_seg(v, s, data);
	if (gdtr)
		vcpu_ops->set_dtable(v, false, gdtr);
	if (idtr)
		vcpu_ops->set_dtable(v, true, idtr);
}

/* The boot GDT with the given code descriptor at LONGMODE_CS. */
static int write_gdt(struct vm *vm, uint64_t gdt_gpa, uint64_t code)
{
	const uint64_t gdt[LONGMODE_GDT_SIZE / 8] = { 0, 0, code, GDT_DATA };

	_Static_assert(LONGMODE_CS == 2 * 8 && LONGMODE_DS == 3 * 8, "the GDT's slots");
	return vm_write_guest(vm, gdt_gpa, gdt, sizeof(gdt));
}

int protmode_write_gdt(struct vm *vm, uint64_t gdt_gpa)
{
	return write_gdt(vm, gdt_gpa, GDT_CODE32);
}

int longmode_write_tables(struct vm *vm, uint64_t gdt_gpa, uint64_t pt_gpa)
{
	uint8_t *buf = kmalloc(LX_PT_SIZE);
	int n;

	if (!buf)
		return -ENOMEM;
	n = linux_identity_tables(buf, LX_PT_SIZE, pt_gpa);
	if (n > 0)
		n = vm_write_guest(vm, pt_gpa, buf, (uint64_t)n);
	kfree(buf);
	if (n >= 0)
		n = write_gdt(vm, gdt_gpa, GDT_CODE64);
	if (n < 0)
		pr_err("vm %s: cannot write the 64-bit entry's GDT (0x%llx) and page tables "
		       "(0x%llx): error %d", vm->name, (unsigned long long)gdt_gpa,
		       (unsigned long long)pt_gpa, n);
	return n < 0 ? n : 0;
}

/* The flat start state on the boot GDT at gdt_gpa: 64-bit mode through
 * the identity map at pt_gpa when long_mode, else 32-bit protected mode
 * with paging off (pt_gpa unused). See vcpu_longmode.h. */
static int set_flat_state(struct vcpu *v, bool long_mode, uint64_t rip, uint64_t gdt_gpa,
			  uint64_t pt_gpa)
{
	const struct vcpu_segment code = {
		.selector = LONGMODE_CS, .attr = long_mode ? ATTR_CODE64 : ATTR_CODE32,
		.limit = 0xFFFFFFFF, .base = 0,
	};
	const struct vcpu_segment data = {
		.selector = LONGMODE_DS, .attr = ATTR_DATA, .limit = 0xFFFFFFFF, .base = 0,
	};
	const struct vcpu_dtable gdtr = { .base = gdt_gpa, .limit = LONGMODE_GDT_SIZE - 1 };
	const struct vcpu_dtable idtr = { .base = 0, .limit = 0 };
	int err;

	vcpu_load_segments(v, &code, &data, &gdtr, &idtr);
	/* Long mode is activated by CR0.PG with EFER.LME and CR4.PAE already
	 * set (SDM vol. 3 §10.8.5; APM vol. 2 §14.6.1): in that order. */
	err = vcpu_ops->set_cr(v, 0, CR0_PE | CR0_ET);
	if (!err)
		err = vcpu_ops->set_cr(v, 4, long_mode ? CR4_PAE : 0);
	if (!err)
		err = vcpu_ops->set_cr(v, 3, long_mode ? pt_gpa : 0);
	if (!err && long_mode) {
		vcpu_ops->set_efer(v, EFER_LME);
		err = vcpu_ops->set_cr(v, 0, CR0_PE | CR0_ET | CR0_PG);
		if (!err && !(vcpu_ops->get_efer(v) & EFER_LMA)) {
			pr_err("vm %s: the %s backend did not activate long mode", v->vm->name,
			       vcpu_ops->name);
			err = -ENOTSUP;
		}
	}
	if (err)
		return err;
	memset(v->gpr, 0, sizeof(v->gpr));
	v->rip = rip;
	v->rflags = 0x2;   /* IF=0 */
	return 0;
}

int vcpu_set_long_mode_state(struct vcpu *v, uint64_t rip, uint64_t gdt_gpa, uint64_t pt_gpa)
{
	return set_flat_state(v, true, rip, gdt_gpa, pt_gpa);
}

int vcpu_set_protected_mode_state(struct vcpu *v, uint32_t eip, uint64_t gdt_gpa)
{
	return set_flat_state(v, false, eip, gdt_gpa, 0);
}
