/* exit_io.c - exits that reach devices: port I/O (string forms included),
 * hypercalls, and second-level faults on MMIO (emulated through the
 * instruction decoder) or on tables plinth built wrong. */
#include <plinth/guest_walk.h>
#include <plinth/log.h>
#include <plinth/mm.h>
#include "exit_internal.h"
#include "hypercall.h"
#include <plinth/insn_fetch.h>
#include "io.h"
#include "mmio.h"
#include "platform.h"

/* String I/O iterations done per exit: a longer REP INS/OUTS continues at
 * the next entry (RIP is not advanced, rCX counts what is left; a REP
 * string instruction may be interrupted between iterations, SDM vol. 2B
 * "REP"), so a huge count cannot hold the host CPU. */
#define STRING_IO_BATCH 4096u

/* A device may have raised an interrupt line, re-timed a timer or
 * changed what a controller presents: the next entry looks at the
 * controllers again instead of trusting the fast path (exit_irq.c). */
static void interrupts_may_have_changed(struct vm *vm)
{
	if (vm->platform)
		vm_platform_changed(vm->platform);
}

/* ---- INS / OUTS (SDM vol. 2B "INS/INSB/INSW/INSD", "OUTS/OUTSB/...") ---- */

struct string_io {
	struct vcpu *v;
	struct guest_paging paging;
	uint64_t seg_base;      /* DS (or the override) for OUTS, ES for INS */
	uint64_t addr_mask;     /* address size: 0xFFFF, 0xFFFFFFFF or all ones */
	unsigned cpl;
};

static int read_guest_phys(void *ctx, uint64_t gpa, void *buf, unsigned len)
{
	return vm_read_guest(ctx, gpa, buf, len);
}

/* Copy size bytes between the guest buffer at linear and val, translating
 * each page (an element may straddle two). Returns 0, or -EFAULT with
 * *fault_linear set when a page is not mapped (the guest gets #PF), or
 * -ENODEV when the guest-physical address is not RAM. */
static int guest_buffer(struct string_io *s, uint64_t linear, void *val, unsigned size,
			bool to_guest, uint64_t *fault_linear)
{
	uint8_t *bytes = val;

	while (size) {
		unsigned chunk = (unsigned)MIN((uint64_t)size, PAGE_SIZE - (linear & (PAGE_SIZE - 1)));
		struct vm_region *r;
		uint64_t gpa;

		if (guest_walk(&s->paging, linear, read_guest_phys, s->v->vm, &gpa)) {
			*fault_linear = linear;
			return -EFAULT;
		}
		r = vm_find_region(s->v->vm, gpa);
		if (!r || r->type != VM_REGION_RAM || gpa - r->base > r->size - chunk)
			return -ENODEV;
		if (to_guest ? vm_write_guest(s->v->vm, gpa, bytes, chunk)
			     : vm_read_guest(s->v->vm, gpa, bytes, chunk))
			return -ENODEV;
		bytes += chunk;
		linear += chunk;
		size -= chunk;
	}
	return 0;
}

/* The instruction's address size and segment: the decoder sees the 67
 * prefix and a segment override (VMX reports them only with the optional
 * instruction-information field, SVM only with decode assists: decoding
 * serves both backends). 0 or -EFAULT/-EINVAL (VM stopped). */
static int string_io_setup(struct vcpu *v, const struct vm_exit *e, struct string_io *s)
{
	static const enum vcpu_seg override[] = {
		[INSN_SEG_ES] = SEG_ES, [INSN_SEG_CS] = SEG_CS, [INSN_SEG_SS] = SEG_SS,
		[INSN_SEG_DS] = SEG_DS, [INSN_SEG_FS] = SEG_FS, [INSN_SEG_GS] = SEG_GS,
	};
	uint8_t bytes[INSN_MAX_LEN];
	struct vcpu_segment seg, ss;
	enum insn_mode mode;
	enum vcpu_seg which;
	struct insn in;
	int n = vcpu_fetch_insn(v, bytes, &mode);

	if (n < 0 || insn_decode(&in, bytes, (size_t)n, mode)) {
		vm_stop(v->vm, "cannot fetch or decode the string I/O instruction at rip 0x%llx",
			(unsigned long long)v->rip);
		return -EFAULT;
	}
	/* INS writes ES:rDI whatever the prefixes; OUTS reads DS:rSI or the
	 * override's segment. */
	which = e->io.in ? SEG_ES : (in.seg != INSN_SEG_NONE ? override[in.seg] : SEG_DS);
	vcpu_ops->get_seg(v, which, &seg);
	/* 64-bit mode ignores the ES/CS/SS/DS bases (SDM vol. 1 §3.4.2.1). */
	s->seg_base = mode == INSN_MODE_64 && which != SEG_FS && which != SEG_GS ? 0 : seg.base;
	s->addr_mask = in.addrsize == 2 ? 0xFFFFULL : in.addrsize == 4 ? 0xFFFFFFFFULL : ~0ULL;
	s->v = v;
	s->paging = (struct guest_paging){
		.cr0 = vcpu_ops->get_cr(v, 0), .cr3 = vcpu_ops->get_cr(v, 3),
		.cr4 = vcpu_ops->get_cr(v, 4), .efer = vcpu_ops->get_efer(v),
	};
	vcpu_ops->get_seg(v, SEG_SS, &ss);
	s->cpl = (s->paging.cr0 & CR0_PE) ? (ss.attr >> 5) & 3 : 0;
	return 0;
}

/* Write an address register as a string instruction does: 16-bit
 * address size changes only the low word, 32-bit zero-extends (SDM
 * vol. 1 §3.4.1.1), 64-bit the whole register. */
static void set_addr_reg(struct vcpu *v, unsigned reg, uint64_t value, uint64_t mask)
{
	if (mask == 0xFFFFULL)
		v->gpr[reg] = (v->gpr[reg] & ~0xFFFFULL) | (value & 0xFFFF);
	else
		v->gpr[reg] = value & mask;
}

/* REP INS/OUTS and their single forms: one port access per element, the
 * buffer reached through the guest's page tables (guest_walk.h). */
static enum exit_result exit_string_io(struct vcpu *v, const struct vm_exit *e)
{
	struct vm *vm = v->vm;
	unsigned size = e->io.size, reg = e->io.in ? INSN_RDI : INSN_RSI;
	struct string_io s;
	uint64_t count, done, fault = 0, addr;
	int64_t step;

	if (string_io_setup(v, e, &s))
		return EXIT_STOP;
	step = (v->rflags & INSN_RFLAGS_DF) ? -(int64_t)size : (int64_t)size;
	/* REP counts in rCX at the address size (SDM vol. 2B "REP"). */
	count = e->io.rep ? v->gpr[INSN_RCX] & s.addr_mask : 1;
	addr = v->gpr[reg] & s.addr_mask;
	for (done = 0; done < count && done < STRING_IO_BATCH; done++) {
		uint64_t linear = s.seg_base + addr;
		uint32_t val = 0;
		int err;

		/* Outside 64-bit mode linear addresses wrap at 4 GiB. */
		if (s.addr_mask != ~0ULL)
			linear &= 0xFFFFFFFFULL;
		if (e->io.in) {
			err = vm_io_in(vm, e->io.port, size, &val);
			if (!err)
				err = guest_buffer(&s, linear, &val, size, true, &fault);
		} else {
			err = guest_buffer(&s, linear, &val, size, false, &fault);
			if (!err)
				err = vm_io_out(vm, e->io.port, size, val);
		}
		if (err == -EFAULT) {
			/* #PF on the buffer (SDM vol. 3 §4.7): not present,
			 * W for INS, U/S at CPL 3. Iterations done so far stay
			 * done: rCX and the address register say so. */
			uint32_t code = (e->io.in ? BIT(1) : 0) | (s.cpl == 3 ? BIT(2) : 0);
			set_addr_reg(v, reg, addr, s.addr_mask);
			if (e->io.rep)
				set_addr_reg(v, INSN_RCX, count - done, s.addr_mask);
			vcpu_ops->set_cr(v, 2, fault);
			return vcpu_inject_exception(v, 14, true, code) ? EXIT_STOP : EXIT_RESUME;
		}
		if (err == -ENODEV) {
			vm_stop(vm, "%s buffer at linear 0x%llx is not guest RAM (rip 0x%llx)",
				e->io.in ? "INS" : "OUTS", (unsigned long long)linear,
				(unsigned long long)v->rip);
			return EXIT_STOP;
		}
		if (err) {
			vm_stop(vm, "device error %d on port 0x%x", err, e->io.port);
			return EXIT_STOP;
		}
		addr = (addr + (uint64_t)step) & s.addr_mask;
		if (vm->state == VM_STOPPED)
			return EXIT_STOP;
	}
	set_addr_reg(v, reg, addr, s.addr_mask);
	if (e->io.rep)
		set_addr_reg(v, INSN_RCX, count - done, s.addr_mask);
	if (vm_io_claimed(vm, e->io.port))
		interrupts_may_have_changed(vm);
	/* A batch that did not finish runs again from the same RIP. */
	return done < count ? EXIT_RESUME : EXIT_NEXT;
}

enum exit_result exit_io(struct vcpu *v, const struct vm_exit *e)
{
	struct vm *vm = v->vm;
	unsigned size = e->io.size;
	uint32_t mask = size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
	uint32_t val = e->io.in ? 0 : (uint32_t)v->gpr[INSN_RAX] & mask;
	bool claimed;
	int err;

	vm_io_count_exit(vm, e->io.port, e->io.in);
	if (e->io.string)
		return exit_string_io(v, e);
	err = vm_io_access(vm, e->io.port, size, e->io.in, &val, &claimed);
	if (err) {
		vm_stop(vm, "device error %d on port 0x%x", err, e->io.port);
		return EXIT_STOP;
	}
	/* IN AL/AX merges into RAX; IN EAX zero-extends (SDM vol. 1
	 * §3.4.1.1). */
	if (e->io.in)
		v->gpr[INSN_RAX] = size == 4 ? val : (v->gpr[INSN_RAX] & ~(uint64_t)mask) | (val & mask);
	if (claimed)
		interrupts_may_have_changed(vm);
	/* A device may have stopped the VM (the test-exit port). */
	return vm->state == VM_STOPPED ? EXIT_STOP : EXIT_NEXT;
}

enum exit_result exit_hypercall(struct vcpu *v, const struct vm_exit *e)
{
	hypercall_dispatch(v);
	return EXIT_NEXT;
}

enum exit_result exit_slat_violation(struct vcpu *v, const struct vm_exit *e)
{
	struct vm_region *r = vm_find_region(v->vm, e->slat.gpa);
	int n;

	if (!r) {
		vm_stop(v->vm, "access to guest-physical 0x%llx (outside RAM and MMIO) at rip 0x%llx",
			(unsigned long long)e->slat.gpa, (unsigned long long)v->rip);
		return EXIT_STOP;
	}
	if (r->type == VM_REGION_RAM) {
		/* RAM is mapped read/write/execute: a fault on it means the
		 * tables are wrong, a plinth bug; stop this VM only. */
		vm_stop(v->vm, "second-level fault on RAM at 0x%llx (access %x, allowed %x)",
			(unsigned long long)e->slat.gpa, e->slat.access, e->slat.allowed);
		vcpu_dump(v);
		return EXIT_STOP;
	}
	n = mmio_emulate(v, r, e->slat.gpa);
	if (n < 0)
		return EXIT_STOP;
	/* A write may have re-timed or unmasked something. Reads change no
	 * interrupt state but through the vlapic, which flags that itself
	 * (a read-modify-write reports the write, SDM vol. 3C §28.2.1 Table
	 * 28-7, APM vol. 2 §15.25.6 error code W). */
	if (e->slat.access & SLAT_ACCESS_WRITE)
		interrupts_may_have_changed(v->vm);
	if (n > 0)
		vcpu_ops->skip_insn(v, (unsigned)n);
	return v->vm->state == VM_STOPPED ? EXIT_STOP : EXIT_RESUME;
}

/* EPT misconfiguration (SDM vol. 3C §29.3.3.1) or a nested page fault
 * with a reserved bit set (AMD APM vol. 2 §15.25.6): the second-level
 * table plinth built holds an entry the CPU refuses. Never the guest's
 * doing: log the entry, dump the vCPU and stop this VM; the host goes on. */
enum exit_result exit_slat_misconfig(struct vcpu *v, const struct vm_exit *e)
{
	struct vm *vm = v->vm;
	paddr_t pa = 0;
	unsigned prot = 0;
	enum pt_memtype memtype = PT_MEM_WB;
	uint64_t page = 0;
	int err = pt_translate(&vm->slat, e->slat.gpa, &pa, &prot, &memtype, &page);

	pr_err("vm %s: plinth bug: %s second-level entry for guest-physical 0x%llx at rip 0x%llx "
	       "(vendor reason %u, qualification 0x%llx)", vm->name,
	       e->kind == EXIT_SLAT_MISCONFIG ? "misconfigured" : "faulting",
	       (unsigned long long)e->slat.gpa, (unsigned long long)v->rip, e->raw_reason,
	       (unsigned long long)e->raw_qual);
	if (err)
		pr_err("vm %s: the %s table has no mapping there (error %d)", vm->name,
		       vcpu_ops->name, err);
	else
		pr_err("vm %s: the %s table maps it to 0x%llx, prot 0x%x, memory type %d, "
		       "page size 0x%llx", vm->name, vcpu_ops->name, (unsigned long long)pa, prot,
		       (int)memtype, (unsigned long long)page);
	vcpu_dump(v);
	vm_stop(vm, "second-level table misconfiguration at guest-physical 0x%llx (a plinth bug)",
		(unsigned long long)e->slat.gpa);
	return EXIT_STOP;
}
