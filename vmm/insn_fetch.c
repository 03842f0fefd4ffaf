/* insn_fetch.c - fetch the bytes of the instruction a guest is executing,
 * vendor-neutrally: CS and the paging controls come through vcpu_ops, the
 * translation from <plinth/guest_walk.h>. Used by MMIO emulation (the
 * faulting access is described by a guest-physical address only). */
#include <plinth/guest_walk.h>
#include <plinth/mm.h>
#include <x86/cpu.h>
#include <plinth/insn_fetch.h>

static int read_guest_phys(void *ctx, uint64_t gpa, void *buf, unsigned len)
{
	return vm_read_guest(ctx, gpa, buf, len);
}

/* Copy up to max bytes at guest linear address linear, stopping at the end
 * of its page or of the RAM region. Returns the byte count or -EFAULT. */
static int read_linear(struct vcpu *v, const struct guest_paging *p, uint64_t linear,
		       uint8_t *buf, unsigned max)
{
	struct vm_region *r;
	uint64_t gpa, avail;

	if (guest_walk(p, linear, read_guest_phys, v->vm, &gpa))
		return -EFAULT;
	r = vm_find_region(v->vm, gpa);
	if (!r || r->type != VM_REGION_RAM)
		return -EFAULT;
	avail = MIN((uint64_t)max, PAGE_SIZE - (gpa & (PAGE_SIZE - 1)));
	avail = MIN(avail, r->base + r->size - gpa);
	if (vm_read_guest(v->vm, gpa, buf, avail))
		return -EFAULT;
	return (int)avail;
}

int vcpu_fetch_insn(struct vcpu *v, uint8_t buf[INSN_MAX_LEN], enum insn_mode *mode)
{
	struct vcpu_segment cs;
	struct guest_paging p = {
		.cr0 = vcpu_ops->get_cr(v, 0),
		.cr3 = vcpu_ops->get_cr(v, 3),
		.cr4 = vcpu_ops->get_cr(v, 4),
		.efer = vcpu_ops->get_efer(v),
	};
	bool long64;
	uint64_t linear;
	int n, more;

	vcpu_ops->get_seg(v, SEG_CS, &cs);
	/* 64-bit code with EFER.LMA and CS.L; otherwise CS.D selects 32/16,
	 * and real mode is 16-bit (SDM vol. 3 §5.2.1, APM vol. 2 §4.8.1). */
	long64 = (p.efer & EFER_LMA) && (cs.attr & BIT(9));
	if (long64)
		*mode = INSN_MODE_64;
	else if (!(p.cr0 & CR0_PE))
		*mode = INSN_MODE_16;
	else
		*mode = (cs.attr & BIT(10)) ? INSN_MODE_32 : INSN_MODE_16;
	/* Outside 64-bit mode linear addresses wrap at 4 GiB. */
	linear = cs.base + v->rip;
	if (!long64)
		linear &= 0xFFFFFFFFULL;
	n = read_linear(v, &p, linear, buf, INSN_MAX_LEN);
	if (n <= 0 || n == INSN_MAX_LEN)
		return n;
	more = read_linear(v, &p, linear + (unsigned)n, buf + n, INSN_MAX_LEN - (unsigned)n);
	return more > 0 ? n + more : n;
}
