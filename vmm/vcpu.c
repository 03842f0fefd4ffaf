/* vcpu.c - the vendor-neutral side of a vCPU: the backend chosen at boot,
 * creating a vCPU, setting a boot protocol's entry state through the ops,
 * and the run loop. */
#include <plinth/log.h>
#include <plinth/mm.h>
#include <plinth/string.h>
#include <plinth/virt.h>
#include <plinth/vm.h>
#include <x86/cpu.h>
#include <x86/percpu.h>
#include "msr.h"
#include "platform.h"

const struct vcpu_ops *vcpu_ops;

/* The generic vCPU and the VMM-private state that goes with it; allocated
 * together so struct vcpu (vcpu_ops.h, shared with the backends) stays as
 * it is. */
struct vcpu_full {
	struct vcpu v;
	struct msr_state msrs;
};
/* vm_destroy() frees vm->vcpu, which must therefore be the allocation. */
_Static_assert(__builtin_offsetof(struct vcpu_full, v) == 0, "vcpu first in vcpu_full");

struct msr_state *vcpu_msr_state(struct vcpu *v)
{
	return &container_of(v, struct vcpu_full, v)->msrs;
}

int vcpu_create(struct vm *vm)
{
	struct vcpu_full *full;
	struct vcpu *v;
	int err;

	if (vm->vcpu)
		return -EEXIST;
	full = kzalloc(sizeof(*full));
	if (!full)
		return -ENOMEM;
	v = &full->v;
	v->vm = vm;
	v->id = 0;
	v->rflags = 0x2;   /* bit 1 is reserved as 1 (SDM vol. 1 §3.4.3) */
	err = vcpu_ops->create(v);
	if (err) {
		pr_err("vm %s: cannot create a vCPU (%s error %d)", vm->name, vcpu_ops->name, err);
		kfree(full);
		return err;
	}
	err = vcpu_ops->set_slat_root(v, vm->slat.root);
	if (err) {
		vcpu_ops->destroy(v);
		kfree(full);
		return err;
	}
	{
		const struct msr_ctx ctx = { .host_tsc = rdtsc(), .bsp = v->id == 0 };
		msr_state_reset(&full->msrs, &ctx);
	}
	vm->vcpu = v;
	return 0;
}

int vcpu_set_multiboot_state(struct vcpu *v, uint32_t entry, uint32_t magic, uint32_t info)
{
	/* Multiboot 0.6.96 §3.2 "Machine state": CS a 32-bit read/execute
	 * code segment with offset 0 and limit 0xFFFFFFFF, DS/ES/FS/GS/SS
	 * 32-bit read/write data segments likewise, CR0.PG=0, CR0.PE=1,
	 * EFLAGS.VM=0, EFLAGS.IF=0; GDTR and IDTR may be anything. Selectors
	 * 0x08/0x10 as GRUB uses. */
	const struct vcpu_segment code = {
		.selector = 0x08, .attr = 0xC9B, .limit = 0xFFFFFFFF, .base = 0,
	};
	const struct vcpu_segment data = {
		.selector = 0x10, .attr = 0xC93, .limit = 0xFFFFFFFF, .base = 0,
	};
	int err;

	vcpu_ops->set_seg(v, SEG_CS, &code);
	for (enum vcpu_seg s = SEG_ES; s <= SEG_GS; s++)
		if (s != SEG_CS)
			vcpu_ops->set_seg(v, s, &data);
	err = vcpu_ops->set_cr(v, 0, 0x11);   /* PE | ET */
	if (!err)
		err = vcpu_ops->set_cr(v, 4, 0);
	if (!err)
		err = vcpu_ops->set_cr(v, 3, 0);
	if (err) {
		pr_err("vm %s: cannot set the Multiboot entry state (error %d)", v->vm->name, err);
		return err;
	}
	memset(v->gpr, 0, sizeof(v->gpr));
	v->gpr[INSN_RAX] = magic;
	v->gpr[INSN_RBX] = info;
	v->rip = entry;
	v->rflags = 0x2;
	return 0;
}

int vcpu_set_real_mode_state(struct vcpu *v, uint16_t cs, uint16_t ip)
{
	/* Real mode (SDM vol. 3 §20.1; the reset state of §9.1.1 with the CS
	 * base a BIOS leaves): base = selector * 16, 64 KiB limits, byte
	 * granular, 16-bit. The hidden attributes are those a real-mode
	 * segment load gives and VM entry accepts with CR0.PE=0 (§27.3.1.2,
	 * unrestricted guest; AMD APM vol. 2 §15.5 takes them as they are):
	 * present, DPL 0, accessed read/execute code (0x9B) and read/write
	 * data (0x93). The IVT is at 0 with a 1 KiB limit. */
	const struct vcpu_segment code = {
		.selector = cs, .attr = 0x9B, .limit = 0xFFFF, .base = (uint64_t)cs << 4,
	};
	const struct vcpu_segment data = { .selector = 0, .attr = 0x93, .limit = 0xFFFF };
	const struct vcpu_dtable ivt = { .base = 0, .limit = 0x3FF };
	int err;

	if (!(virt.features & VIRT_F_UNRESTRICTED) && virt.vendor == VIRT_VMX) {
		pr_err("vm %s: real-mode start not supported by this CPU/backend (VMX without "
		       "unrestricted guest)", v->vm->name);
		return -ENOTSUP;
	}
	err = vcpu_ops->set_cr(v, 0, CR0_ET);
	if (!err)
		err = vcpu_ops->set_cr(v, 4, 0);
	if (!err)
		err = vcpu_ops->set_cr(v, 3, 0);
	if (err) {
		pr_err("vm %s: real-mode start not supported by this CPU/backend (%s error %d)",
		       v->vm->name, vcpu_ops->name, err);
		return err == -EINVAL ? -ENOTSUP : err;
	}
	vcpu_ops->set_seg(v, SEG_CS, &code);
	for (enum vcpu_seg s = SEG_ES; s <= SEG_GS; s++)
		if (s != SEG_CS)
			vcpu_ops->set_seg(v, s, &data);
	vcpu_ops->set_dtable(v, true, &ivt);
	memset(v->gpr, 0, sizeof(v->gpr));
	v->rip = ip;
	v->rflags = 0x2;
	return 0;
}

int vcpu_inject_exception(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error)
{
	const struct vcpu_event ev = {
		.type = EVENT_EXCEPTION, .vector = vector, .has_error = has_error, .error_code = error,
	};
	int err = vcpu_ops->inject(v, &ev);
	if (err)
		vm_stop(v->vm, "cannot inject exception %u (another event is pending)", vector);
	return err;
}

static const char *const gpr_names[INSN_NR_GPRS] = {
	"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};

void vcpu_dump(struct vcpu *v)
{
	for (unsigned i = 0; i < INSN_NR_GPRS; i += 4)
		pr_err("vm %s: %-3s=%016llx %-3s=%016llx %-3s=%016llx %-3s=%016llx", v->vm->name,
		       gpr_names[i], (unsigned long long)v->gpr[i],
		       gpr_names[i + 1], (unsigned long long)v->gpr[i + 1],
		       gpr_names[i + 2], (unsigned long long)v->gpr[i + 2],
		       gpr_names[i + 3], (unsigned long long)v->gpr[i + 3]);
	pr_err("vm %s: rip=%016llx rflags=%llx, %llu exits", v->vm->name,
	       (unsigned long long)v->rip, (unsigned long long)v->rflags,
	       (unsigned long long)v->exit_count);
	vcpu_ops->dump(v);
}

void vcpu_run_loop(struct vcpu *v)
{
	struct vm *vm = v->vm;
	struct vm_exit exit;

	vm->state = VM_RUNNING;
	if (!vm->start_tsc)
		vm->start_tsc = rdtsc();
	while (vm->state == VM_RUNNING) {
		uint64_t entered;
		int err;

		/* Virtual interrupts due now are injected at this entry. */
		vcpu_deliver_interrupts(v);
		entered = rdtsc();
		err = vcpu_ops->run(v, &exit);

		/* Guest time: entry to exit, the world switches included. */
		vm->guest_tsc += rdtsc() - entered;
		if (err) {
			vm_stop(vm, "the %s backend could not enter the guest", vcpu_ops->name);
			break;
		}
		v->exit_count++;
		v->exits_by_kind[exit.kind]++;
		if (!vmm_handle_exit(v, &exit))
			break;
	}
}
