/* vcpu_longmode.c - a vCPU started in 64-bit mode (see vcpu_longmode.h). */
#include <plinth/log.h>
#include <plinth/mm.h>
#include <plinth/string.h>
#include <x86/cpu.h>
#include "loader_linux.h"
#include "vcpu_longmode.h"

int longmode_write_tables(struct vm *vm, uint64_t gdt_gpa, uint64_t pt_gpa)
{
	/* SDM vol. 3 §3.4.5: base 0, limit 4 GiB, accessed; the code segment
	 * with L=1 and D=0 (§3.4.5.1: a 64-bit code segment). */
	static const uint64_t gdt[LONGMODE_GDT_SIZE / 8] = {
		0, 0,
		0x00AF9B000000FFFFull,   /* 0x10: 64-bit code, execute/read */
		0x00CF93000000FFFFull,   /* 0x18: data, read/write */
	};
	uint8_t *buf = kmalloc(LX_PT_SIZE);
	int n;

	if (!buf)
		return -ENOMEM;
	n = linux_identity_tables(buf, LX_PT_SIZE, pt_gpa);
	if (n > 0)
		n = vm_write_guest(vm, pt_gpa, buf, (uint64_t)n);
	kfree(buf);
	if (n >= 0)
		n = vm_write_guest(vm, gdt_gpa, gdt, sizeof(gdt));
	if (n < 0)
		pr_err("vm %s: cannot write the 64-bit entry's GDT (0x%llx) and page tables "
		       "(0x%llx): error %d", vm->name, (unsigned long long)gdt_gpa,
		       (unsigned long long)pt_gpa, n);
	return n < 0 ? n : 0;
}

int vcpu_set_long_mode_state(struct vcpu *v, uint64_t rip, uint64_t gdt_gpa, uint64_t pt_gpa)
{
	/* Access rights (the VMX layout both backends take): G, L, P, S,
	 * type execute/read accessed; G, D/B, P, S, type read/write accessed. */
	const struct vcpu_segment code = {
		.selector = LONGMODE_CS, .attr = 0xA9B, .limit = 0xFFFFFFFF, .base = 0,
	};
	const struct vcpu_segment data = {
		.selector = LONGMODE_DS, .attr = 0xC93, .limit = 0xFFFFFFFF, .base = 0,
	};
	const struct vcpu_dtable gdtr = { .base = gdt_gpa, .limit = LONGMODE_GDT_SIZE - 1 };
	const struct vcpu_dtable idtr = { .base = 0, .limit = 0 };
	int err;

	vcpu_ops->set_seg(v, SEG_CS, &code);
	for (enum vcpu_seg s = SEG_ES; s <= SEG_GS; s++)
		if (s != SEG_CS)
			vcpu_ops->set_seg(v, s, &data);
	vcpu_ops->set_dtable(v, false, &gdtr);
	vcpu_ops->set_dtable(v, true, &idtr);
	/* Long mode is activated by CR0.PG with EFER.LME and CR4.PAE already
	 * set (SDM vol. 3 §10.8.5; APM vol. 2 §14.6.1): in that order. */
	err = vcpu_ops->set_cr(v, 0, CR0_PE | CR0_ET);
	if (!err)
		err = vcpu_ops->set_cr(v, 4, CR4_PAE);
	if (!err)
		err = vcpu_ops->set_cr(v, 3, pt_gpa);
	if (!err) {
		vcpu_ops->set_efer(v, EFER_LME);
		err = vcpu_ops->set_cr(v, 0, CR0_PE | CR0_ET | CR0_PG);
	}
	if (!err && !(vcpu_ops->get_efer(v) & EFER_LMA)) {
		pr_err("vm %s: the %s backend did not activate long mode", v->vm->name,
		       vcpu_ops->name);
		err = -ENOTSUP;
	}
	if (err)
		return err;
	memset(v->gpr, 0, sizeof(v->gpr));
	v->rip = rip;
	v->rflags = 0x2;   /* IF=0 */
	return 0;
}
