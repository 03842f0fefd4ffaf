/* vmcs.c - one VMCS per vCPU: allocation, VMPTRLD tracking, the control
 * fields, the host-state area and a reset guest state (Intel SDM vol. 3C
 * ch. 25 "Virtual Machine Control Structures", §26.2-§26.3 checks on VMX
 * controls, host and guest state). */
#include <plinth/log.h>
#include <plinth/mm.h>
#include <plinth/panic.h>
#include <plinth/printf.h>
#include <plinth/string.h>
#include <plinth/vcpu_ops.h>
#include <x86/cpu.h>
#include <x86/percpu.h>
#include "vmx_internal.h"

/* The PAT value at power-on (SDM vol. 3 §12.12.4), what a fresh guest sees. */
#define PAT_POWER_ON 0x0007040600070406ULL

/* The MSRs switched through the VM-entry/VM-exit MSR areas: nothing in
 * the VMCS holds them (SDM §25.7.2, §25.8.2; loading §27.4, §28.6; storing
 * §28.4). TSC_AUX only exists with RDTSCP (CPUID 0x80000001 EDX[27]); a
 * load of an MSR the CPU lacks fails the entry (§27.4). */
static const uint32_t switched_msrs[] = {
	MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SFMASK, MSR_KERNEL_GS_BASE, MSR_TSC_AUX,
};

/* MSRs the guest reads and writes without exits: the VMCS guest-state
 * area (FS/GS base, SYSENTER_*) or the MSR areas (KERNEL_GS_BASE) switch
 * them completely, and WRMSR checks their values in hardware (canonical
 * addresses). Every other MSR exits to vmm/msr.c. */
static const uint32_t passthrough_msrs[] = {
	MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE,
	MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
};

/* VPIDs 1..65535 are handed out once each; 0 is the host's (SDM §29.1).
 * After the last one, vCPUs run without VPID (full flushes at entry/exit). */
static uint32_t next_vpid = 1;

void vmcs_read_failed(uint32_t field)
{
	panic("vmx: VMREAD of field 0x%x failed (no current VMCS or unsupported field)", field);
}

void vmcs_write_failed(uint32_t field, uint64_t value)
{
	uint64_t err = 0;

	vmx_read_checked(VMCS_INSN_ERROR, &err);
	panic("vmx: VMWRITE of 0x%llx to field 0x%x failed (error %llu)",
	      (unsigned long long)value, field, (unsigned long long)err);
}

void vmcs_load_slow(struct vcpu *v)
{
	struct vmx_vcpu *x = v->arch;
	struct vmx_cpu *vc = this_cpu()->vmm;

	/* A vCPU's VMCS is used on the CPU that loaded it last; a move needs
	 * VMCLEAR on the old CPU first (SDM §25.11.1, vcpu_ops put/load). */
	BUG_ON(v->host_cpu != this_cpu()->cpu_id);
	if (vc->current_vmcs == x->vmcs)
		return;
	if (vmx_ptrld(x->vmcs))
		panic("vmx: VMPTRLD of the VMCS at 0x%llx failed", (unsigned long long)x->vmcs);
	vc->current_vmcs = x->vmcs;
}

/* Base address of the TSS that TR selects, from this CPU's GDT (a 16-byte
 * system descriptor in IA-32e mode, SDM vol. 3 §8.2.3, Figure 8-4). */
static uint64_t tr_base(uint16_t tr, uint64_t gdt_base)
{
	const uint32_t *d = (const uint32_t *)(uintptr_t)(gdt_base + (tr & ~7u));
	return (uint64_t)(d[0] >> 16) | ((uint64_t)(d[1] & 0xFF) << 16) |
	       ((uint64_t)(d[1] & 0xFF000000u)) | ((uint64_t)d[2] << 32);
}

struct __packed dtr { uint16_t limit; uint64_t base; };

/* The host-state area: what a VM exit loads (SDM §25.5, §28.5; checks in
 * §26.2.3). Everything comes from the running CPU, so it must be rewritten
 * if the VMCS is ever loaded on another CPU. */
static void write_host_state(void)
{
	struct dtr gdtr, idtr;
	uint16_t cs, ss, ds, es, fs, gs, tr;

	__asm__ __volatile__("sgdt %0" : "=m"(gdtr));
	__asm__ __volatile__("sidt %0" : "=m"(idtr));
	__asm__ __volatile__("mov %%cs, %0" : "=r"(cs));
	__asm__ __volatile__("mov %%ss, %0" : "=r"(ss));
	__asm__ __volatile__("mov %%ds, %0" : "=r"(ds));
	__asm__ __volatile__("mov %%es, %0" : "=r"(es));
	__asm__ __volatile__("mov %%fs, %0" : "=r"(fs));
	__asm__ __volatile__("mov %%gs, %0" : "=r"(gs));
	__asm__ __volatile__("str %0" : "=r"(tr));
	/* Host selectors must have RPL 0 and TI 0; CS and TR must not be null
	 * (§26.2.3). plinth's GDT (gdt.h) satisfies this; anything else is a
	 * broken invariant. */
	BUG_ON(((cs | ss | ds | es | fs | gs | tr) & 7) != 0 || cs == 0 || tr == 0);

	vmcs_write(VMCS_HOST_CR0, read_cr0());
	vmcs_write(VMCS_HOST_CR3, read_cr3());
	vmcs_write(VMCS_HOST_CR4, read_cr4());
	vmcs_write(VMCS_HOST_CS_SEL, cs);
	vmcs_write(VMCS_HOST_SS_SEL, ss);
	vmcs_write(VMCS_HOST_DS_SEL, ds);
	vmcs_write(VMCS_HOST_ES_SEL, es);
	vmcs_write(VMCS_HOST_FS_SEL, fs);
	vmcs_write(VMCS_HOST_GS_SEL, gs);
	vmcs_write(VMCS_HOST_TR_SEL, tr);
	/* FS/GS bases come from the VMCS, not the selectors: GS base is the
	 * per-CPU pointer (percpu.h). */
	vmcs_write(VMCS_HOST_FS_BASE, rdmsr(MSR_FS_BASE));
	vmcs_write(VMCS_HOST_GS_BASE, rdmsr(MSR_GS_BASE));
	vmcs_write(VMCS_HOST_TR_BASE, tr_base(tr, gdtr.base));
	vmcs_write(VMCS_HOST_GDTR_BASE, gdtr.base);
	vmcs_write(VMCS_HOST_IDTR_BASE, idtr.base);
	/* A VM exit sets the GDTR and IDTR limits to 0xFFFF (§28.5.2); plinth
	 * never relies on their limits, so they are not reloaded. */
	vmcs_write(VMCS_HOST_SYSENTER_CS, rdmsr(MSR_IA32_SYSENTER_CS));
	vmcs_write(VMCS_HOST_SYSENTER_ESP, rdmsr(MSR_IA32_SYSENTER_ESP));
	vmcs_write(VMCS_HOST_SYSENTER_EIP, rdmsr(MSR_IA32_SYSENTER_EIP));
	vmcs_write(VMCS_HOST_EFER, rdmsr(MSR_EFER));
	vmcs_write(VMCS_HOST_PAT, rdmsr(MSR_IA32_PAT));
	vmcs_write(VMCS_HOST_RIP, (uint64_t)(uintptr_t)vmx_exit_stub);
	/* HOST_RSP is written by vmx_enter() before every entry. */
}

/* The execution, exit and entry controls (§25.6-§25.8). */
static void write_controls(struct vmx_vcpu *x)
{
	vmcs_write(VMCS_PIN_CTLS, x->ctl.pin);
	vmcs_write(VMCS_PROC_CTLS, x->ctl.proc);
	vmcs_write(VMCS_PROC2_CTLS, x->ctl.proc2);
	vmcs_write(VMCS_EXIT_CTLS, x->ctl.exit);
	vmcs_write(VMCS_ENTRY_CTLS, x->ctl.entry);
	/* No guest exception is intercepted yet; triple faults always exit. */
	vmcs_write(VMCS_EXCEPTION_BITMAP, 0);
	vmcs_write(VMCS_PF_ERROR_MASK, 0);
	vmcs_write(VMCS_PF_ERROR_MATCH, 0);
	vmcs_write(VMCS_CR3_TARGET_COUNT, 0);
	/* The guest MSR list is loaded at entry and stored at exit; the host
	 * list is loaded at exit (§25.7.2, §25.8.2). */
	vmcs_write(VMCS_ENTRY_MSR_LOAD_ADDR, x->msr_area);
	vmcs_write(VMCS_ENTRY_MSR_LOAD_COUNT, x->msr_count);
	vmcs_write(VMCS_EXIT_MSR_STORE_ADDR, x->msr_area);
	vmcs_write(VMCS_EXIT_MSR_STORE_COUNT, x->msr_count);
	vmcs_write(VMCS_EXIT_MSR_LOAD_ADDR, x->msr_area + VMX_HOST_MSR_AREA);
	vmcs_write(VMCS_EXIT_MSR_LOAD_COUNT, x->msr_count);
	vmcs_write(VMCS_ENTRY_INTR_INFO, 0);
	/* Every port traps and every MSR but passthrough_msrs[] (§25.6.4,
	 * §25.6.9). Device models and the MSR handler decide what guests see. */
	vmcs_write(VMCS_IO_BITMAP_A, x->io_bitmaps);
	vmcs_write(VMCS_IO_BITMAP_B, x->io_bitmaps + PAGE_SIZE);
	vmcs_write(VMCS_MSR_BITMAP, x->msr_bitmap);
	/* The guest TSC starts at 0, as after power-on (SDM vol. 3 §18.17):
	 * guest RDTSC = host TSC + offset (§25.6.5). */
	vmcs_write(VMCS_TSC_OFFSET, 0 - rdtsc());
	vmcs_write(VMCS_CR0_MASK, x->ctl.cr0_mask);
	vmcs_write(VMCS_CR4_MASK, x->ctl.cr4_mask);
	if (x->vpid)
		vmcs_write(VMCS_VPID, x->vpid);
	/* No shadow VMCS: the link pointer must be all ones (§26.3.1.5). */
	vmcs_write(VMCS_LINK_POINTER, ~0ULL);
}

/* A reset guest state: flat 32-bit protected mode, paging off, interrupts
 * off, RIP 0. vmm/vcpu.c then sets what the boot protocol needs. The
 * values satisfy the guest-state checks of §26.3.1 under unrestricted
 * guest. */
static void write_guest_reset_state(struct vmx_vcpu *x)
{
	const uint64_t cr0 = CR0_PE | CR0_ET;

	vmcs_write(VMCS_CR0_SHADOW, cr0);
	vmcs_write(VMCS_GUEST_CR0, vmx_real_cr0(&x->ctl, cr0));
	vmcs_write(VMCS_CR4_SHADOW, 0);
	vmcs_write(VMCS_GUEST_CR4, vmx_real_cr4(&x->ctl, 0));
	vmcs_write(VMCS_GUEST_CR3, 0);
	for (unsigned i = 0; i < SEG_COUNT; i++) {
		bool code = i == SEG_CS;
		vmcs_write(VMCS_GUEST_SEL(i), 0);
		vmcs_write(VMCS_GUEST_BASE(i), 0);
		vmcs_write(VMCS_GUEST_LIMIT(i), 0xFFFFFFFF);
		/* Code: execute/read, accessed (0xB); data: read/write, accessed
		 * (0x3); S=1, P=1, D/B=1, G=1 (§26.3.1.2). */
		vmcs_write(VMCS_GUEST_AR(i), code ? 0xC09B : 0xC093);
	}
	/* LDTR unusable; TR a busy 32-bit TSS, present (§26.3.1.2). */
	vmcs_write(VMCS_GUEST_LIMIT(SEG_LDTR), 0);
	vmcs_write(VMCS_GUEST_AR(SEG_LDTR), VMX_AR_UNUSABLE);
	vmcs_write(VMCS_GUEST_LIMIT(SEG_TR), 0xFF);
	vmcs_write(VMCS_GUEST_AR(SEG_TR), 0x8B);
	vmcs_write(VMCS_GUEST_GDTR_BASE, 0);
	vmcs_write(VMCS_GUEST_GDTR_LIMIT, 0);
	vmcs_write(VMCS_GUEST_IDTR_BASE, 0);
	vmcs_write(VMCS_GUEST_IDTR_LIMIT, 0);
	vmcs_write(VMCS_GUEST_DR7, 0x400);
	vmcs_write(VMCS_GUEST_RSP, 0);
	vmcs_write(VMCS_GUEST_RIP, 0);
	vmcs_write(VMCS_GUEST_RFLAGS, 0x2);   /* bit 1 is reserved as 1 */
	x->vmcs_rip = x->vmcs_rsp = 0;
	x->vmcs_rflags = 0x2;
	vmcs_write(VMCS_GUEST_PENDING_DBG, 0);
	vmcs_write(VMCS_GUEST_INTERRUPTIBILITY, 0);
	vmcs_write(VMCS_GUEST_ACTIVITY, 0);    /* active */
	vmcs_write(VMCS_GUEST_SYSENTER_CS, 0);
	vmcs_write(VMCS_GUEST_SYSENTER_ESP, 0);
	vmcs_write(VMCS_GUEST_SYSENTER_EIP, 0);
	vmcs_write(VMCS_GUEST_DEBUGCTL, 0);
	vmcs_write(VMCS_GUEST_PAT, PAT_POWER_ON);
	vmcs_write(VMCS_GUEST_EFER, 0);
}

/* Clear the read and write bits of msr in the MSR bitmap (SDM §25.6.9):
 * read bitmap for 0..1FFFH at byte 0, for C0000000H..C0001FFFH at 1024;
 * the write bitmaps follow at 2048 and 3072. */
static void msr_bitmap_pass(uint8_t *bitmap, uint32_t msr)
{
	unsigned base;

	if (msr <= 0x1FFF)
		base = 0;
	else if (msr - 0xC0000000u <= 0x1FFF)
		base = 1024;
	else
		panic("vmx: MSR 0x%x is outside the MSR bitmap", msr);
	msr &= 0x1FFF;
	bitmap[base + msr / 8] &= (uint8_t)~(1u << (msr % 8));
	bitmap[base + 2048 + msr / 8] &= (uint8_t)~(1u << (msr % 8));
}

static bool cpu_has_rdtscp(void)
{
	uint32_t a, b, c, d;

	cpuid(0x80000000, &a, &b, &c, &d);
	if (a < 0x80000001)
		return false;
	cpuid(0x80000001, &a, &b, &c, &d);
	return (d & BIT(27)) != 0;
}

/* Fill the guest and host MSR lists: the guest starts with the reset
 * values (0, SDM vol. 3 §10.1.1 Table 10-1), the host keeps what it has. */
static void init_msr_areas(struct vmx_vcpu *x)
{
	struct vmx_msr_entry *guest = phys_to_virt(x->msr_area);
	struct vmx_msr_entry *host = phys_to_virt(x->msr_area + VMX_HOST_MSR_AREA);
	bool rdtscp = cpu_has_rdtscp();
	unsigned n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(switched_msrs); i++) {
		if (switched_msrs[i] == MSR_TSC_AUX && !rdtscp)
			continue;
		guest[n] = (struct vmx_msr_entry){ .index = switched_msrs[i], .value = 0 };
		host[n] = (struct vmx_msr_entry){ .index = switched_msrs[i],
						   .value = rdmsr(switched_msrs[i]) };
		n++;
	}
	x->msr_count = n;
}

struct vmx_msr_entry *vmx_guest_msr(struct vmx_vcpu *x, uint32_t msr)
{
	struct vmx_msr_entry *guest = phys_to_virt(x->msr_area);

	for (unsigned i = 0; i < x->msr_count; i++)
		if (guest[i].index == msr)
			return &guest[i];
	return NULL;
}

static void free_pages(struct vmx_vcpu *x)
{
	if (x->vmcs)
		page_free(x->vmcs, 0);
	if (x->io_bitmaps)
		page_free(x->io_bitmaps, 1);
	if (x->msr_bitmap)
		page_free(x->msr_bitmap, 0);
	if (x->msr_area)
		page_free(x->msr_area, 0);
}

int vmcs_create(struct vcpu *v)
{
	struct vmx_cpu *vc = this_cpu()->vmm;
	struct vmx_vcpu *x;
	const char *why;

	if (!vc || !vc->in_root_operation) {
		pr_err("vmx: CPU %u is not in VMX root operation", this_cpu()->cpu_id);
		return -ENODEV;
	}
	x = kzalloc(sizeof(*x));
	if (!x)
		return -ENOMEM;
	if (vmx_controls_compute(&vmx_caps, &x->ctl, &why)) {
		pr_err("vmx: cannot run guests: %s", why);
		kfree(x);
		return -ENOTSUP;
	}
	x->vmcs = page_alloc_zeroed(0);
	x->io_bitmaps = page_alloc(1);
	x->msr_bitmap = page_alloc(0);
	x->msr_area = page_alloc_zeroed(0);
	if (!x->vmcs || !x->io_bitmaps || !x->msr_bitmap || !x->msr_area) {
		free_pages(x);
		kfree(x);
		return -ENOMEM;
	}
	memset(phys_to_virt(x->io_bitmaps), 0xFF, 2 * PAGE_SIZE);
	memset(phys_to_virt(x->msr_bitmap), 0xFF, PAGE_SIZE);
	for (size_t i = 0; i < ARRAY_SIZE(passthrough_msrs); i++)
		msr_bitmap_pass(phys_to_virt(x->msr_bitmap), passthrough_msrs[i]);
	init_msr_areas(x);
	x->xcr0 = 1;   /* XCR0 reset value: x87 only (SDM vol. 1 §13.3) */
	/* The VMCS starts with the revision identifier, bit 31 (shadow VMCS)
	 * clear (§25.2); VMCLEAR puts it in the clear state before first use. */
	*(uint32_t *)phys_to_virt(x->vmcs) = vmx_caps.revision;
	if (x->ctl.vpid) {
		uint32_t id = __atomic_fetch_add(&next_vpid, 1, __ATOMIC_RELAXED);
		if (id <= 0xFFFF) {
			x->vpid = (uint16_t)id;
		} else {
			/* Out of VPIDs: run this vCPU untagged. */
			x->ctl.proc2 &= ~(uint32_t)PROC2_VPID;
			x->ctl.vpid = false;
		}
	}
	if (vmx_clear(x->vmcs)) {
		pr_err("vmx: VMCLEAR of a new VMCS failed");
		free_pages(x);
		kfree(x);
		return -EIO;
	}
	v->arch = x;
	v->host_cpu = this_cpu()->cpu_id;
	vmcs_load(v);
	write_controls(x);
	write_host_state();
	write_guest_reset_state(x);
	return 0;
}

void vmcs_destroy(struct vcpu *v)
{
	struct vmx_vcpu *x = v->arch;
	struct vmx_cpu *vc = this_cpu()->vmm;

	if (!x)
		return;
	BUG_ON(v->host_cpu != this_cpu()->cpu_id);
	/* VMCLEAR writes back cached VMCS data and makes it not current
	 * (§25.11.3); only then may its memory be reused. */
	if (vmx_clear(x->vmcs))
		panic("vmx: VMCLEAR of the VMCS at 0x%llx failed", (unsigned long long)x->vmcs);
	if (vc->current_vmcs == x->vmcs)
		vc->current_vmcs = 0;
	if (x->vpid)
		vmx_invvpid(INVVPID_SINGLE_CONTEXT, x->vpid);
	free_pages(x);
	kfree(x);
	v->arch = NULL;
}

/* One "name value" pair per field for the failure dump. */
static const struct { uint32_t field; const char *name; } dump_fields[] = {
	{ VMCS_GUEST_RIP, "rip" }, { VMCS_GUEST_RSP, "rsp" }, { VMCS_GUEST_RFLAGS, "rflags" },
	{ VMCS_GUEST_CR0, "cr0" }, { VMCS_CR0_SHADOW, "cr0-shadow" },
	{ VMCS_GUEST_CR3, "cr3" }, { VMCS_GUEST_CR4, "cr4" }, { VMCS_CR4_SHADOW, "cr4-shadow" },
	{ VMCS_GUEST_EFER, "efer" }, { VMCS_GUEST_PAT, "pat" }, { VMCS_GUEST_DR7, "dr7" },
	{ VMCS_GUEST_GDTR_BASE, "gdtr.base" }, { VMCS_GUEST_GDTR_LIMIT, "gdtr.limit" },
	{ VMCS_GUEST_IDTR_BASE, "idtr.base" }, { VMCS_GUEST_IDTR_LIMIT, "idtr.limit" },
	{ VMCS_GUEST_INTERRUPTIBILITY, "interruptibility" }, { VMCS_GUEST_ACTIVITY, "activity" },
	{ VMCS_GUEST_PENDING_DBG, "pending-dbg" },
	{ VMCS_PIN_CTLS, "pin-ctls" }, { VMCS_PROC_CTLS, "proc-ctls" },
	{ VMCS_PROC2_CTLS, "proc2-ctls" }, { VMCS_EXIT_CTLS, "exit-ctls" },
	{ VMCS_ENTRY_CTLS, "entry-ctls" }, { VMCS_EPT_POINTER, "eptp" },
	{ VMCS_ENTRY_INTR_INFO, "entry-intr-info" },
	{ VMCS_EXCEPTION_BITMAP, "exc-bitmap" }, { VMCS_CR0_MASK, "cr0-mask" },
	{ VMCS_CR4_MASK, "cr4-mask" }, { VMCS_TSC_OFFSET, "tsc-offset" },
	{ VMCS_GUEST_SYSENTER_CS, "sysenter-cs" }, { VMCS_GUEST_SYSENTER_ESP, "sysenter-esp" },
	{ VMCS_GUEST_SYSENTER_EIP, "sysenter-eip" }, { VMCS_VPID, "vpid" },
	{ VMCS_ENTRY_MSR_LOAD_COUNT, "entry-msr-load" }, { VMCS_EXIT_MSR_STORE_COUNT, "exit-msr-store" },
	{ VMCS_EXIT_MSR_LOAD_COUNT, "exit-msr-load" }, { VMCS_ENTRY_EXCEPTION_ERROR, "entry-exc-error" },
	{ VMCS_EXIT_REASON, "exit-reason" }, { VMCS_EXIT_QUAL, "exit-qual" },
	{ VMCS_INSN_ERROR, "insn-error" }, { VMCS_IDT_VECTORING_INFO, "idt-vectoring" },
};

static const char *const seg_names[SEG_COUNT] = { "es", "cs", "ss", "ds", "fs", "gs", "ldtr", "tr" };

void vmcs_dump(const char *vm_name)
{
	/* Four fields per line: each is at most ~40 characters. */
	char line[200];
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(dump_fields); i++) {
		uint64_t val = 0;
		int w;
		if (vmx_read_checked(dump_fields[i].field, &val))
			w = ksnprintf(line + n, sizeof(line) - n, " %s=?", dump_fields[i].name);
		else
			w = ksnprintf(line + n, sizeof(line) - n, " %s=%llx", dump_fields[i].name,
				      (unsigned long long)val);
		if (w > 0)
			n = MIN(n + (size_t)w, sizeof(line) - 1);
		if (i % 4 == 3 || i + 1 == ARRAY_SIZE(dump_fields)) {
			pr_err("vm %s: vmcs:%s", vm_name, line);
			n = 0;
		}
	}
	for (unsigned s = 0; s < SEG_COUNT; s++)
		pr_err("vm %s: vmcs: %-4s sel=%04llx base=%llx limit=%llx ar=%llx", vm_name, seg_names[s],
		       (unsigned long long)vmcs_read(VMCS_GUEST_SEL(s)),
		       (unsigned long long)vmcs_read(VMCS_GUEST_BASE(s)),
		       (unsigned long long)vmcs_read(VMCS_GUEST_LIMIT(s)),
		       (unsigned long long)vmcs_read(VMCS_GUEST_AR(s)));
}
