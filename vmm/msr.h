/* msr.h - the MSRs plinth emulates for a guest (vmm/msr.c). Pure: the
 * state lives in struct msr_state (one per vCPU), the host inputs come in
 * struct msr_ctx, and nothing here touches the backend, so the same code
 * runs in the host unit test (tests/unit/test_vmm_msr.c).
 *
 * MSRs the backend keeps in its own guest state (EFER, FS/GS base) are not
 * handled here: vmm/exit_cpu.c reaches them through vcpu_ops. The MSRs the
 * backend context-switches (msr_backend_held()) are checked here and their
 * values kept in the backend: exit_cpu.c writes them there after msr_write()
 * accepted them and reads them from there. */
#ifndef VMM_MSR_H
#define VMM_MSR_H

#include <plinth/compiler.h>

#define MSR_MTRR_VAR_COUNT   8       /* variable ranges reported in MTRRcap.VCNT */
#define MSR_MTRR_FIXED_COUNT 11      /* 0x250, 0x258, 0x259, 0x268-0x26F */

/* Per-vCPU values of the emulated MSRs. */
struct msr_state {
	uint64_t apic_base;
	uint64_t tsc_offset;          /* guest TSC = host TSC + tsc_offset; mirrors the
				       * backend's offset (exit_cpu.c syncs it around
				       * every access) */
	uint64_t tsc_adjust;
	uint64_t pat;
	uint64_t misc_enable;
	uint64_t mtrr_def_type;
	uint64_t mtrr_fixed[MSR_MTRR_FIXED_COUNT];
	uint64_t mtrr_var[2 * MSR_MTRR_VAR_COUNT];   /* PhysBase0, PhysMask0, ... */
	uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
	uint64_t star, lstar, cstar, sfmask, kernel_gs_base;
	uint64_t tsc_aux;
	uint64_t syscfg;              /* AMD SYSCFG (AMD vendor only) */
	uint64_t int_pending_msg;     /* AMD MSR C001_0055 (AMD vendor only) */
	/* kvm-clock (vmm/kvmclock.h): the values last written to its MSRs
	 * and the version counters of the structures they point at. */
	uint64_t kvm_system_time;     /* GPA | KVMCLOCK_ENABLE */
	uint64_t kvm_wall_clock;      /* GPA */
	uint32_t kvm_version, kvm_wall_version;
};

/* What the host supplies to one access. */
struct msr_ctx {
	uint64_t host_tsc;            /* the host TSC now */
	unsigned phys_addr_bits;      /* the guest's MAXPHYADDR (CPUID 0x80000008 EAX[7:0]) */
	bool bsp;                     /* the vCPU is the bootstrap processor */
	bool x2apic;                  /* x2APIC mode is offered (IA32_APIC_BASE[10]) */
	bool amd;                     /* the CPU is AuthenticAMD: AMD's MSRs exist */
	bool la57;                    /* the guest's CPU has 5-level paging
					 (CPUID.(7,0):ECX[16]): addresses are
					 canonical at 57 bits (msr_canonical57) */
};

/* IA32_APIC_BASE bits (SDM vol. 3 §11.4.4, §11.12.1): BSP 8, x2APIC
 * enable (EXTD) 10, global enable (EN) 11. */
#define MSR_APIC_BASE_BSP    BIT(8)
#define MSR_APIC_BASE_EXTD   BIT(10)
#define MSR_APIC_BASE_EN     BIT(11)

/* Result of msr_read/msr_write: MSR_OK, or inject #GP(0). MSR_UNKNOWN is
 * an MSR not in the table (the caller may try the backend's MSRs before
 * injecting #GP). */
enum msr_result { MSR_OK = 0, MSR_GP = -1, MSR_UNKNOWN = -2 };

/* Reset values (SDM vol. 3 §10.1.1 table 10-1, power-up state). */
void msr_state_reset(struct msr_state *s, const struct msr_ctx *ctx);
/* Emulate RDMSR/WRMSR of msr. */
enum msr_result msr_read(struct msr_state *s, const struct msr_ctx *ctx, uint32_t msr,
			 uint64_t *val);
enum msr_result msr_write(struct msr_state *s, const struct msr_ctx *ctx, uint32_t msr,
			  uint64_t val);
/* A canonical 48-bit linear address (SDM vol. 1 §3.3.7.1). */
bool msr_canonical(uint64_t addr);
/* A canonical 57-bit linear address: bits 63:56 all equal. Canonical form
 * is relative to the most significant implemented linear-address bit (SDM
 * vol. 1 §3.3.7.1), bit 56 on a CPU with 5-level paging whether or not
 * CR4.LA57 is set: what WRMSR checks there (a 5-level Linux writes such
 * GS bases before it enables 5-level paging for good). */
bool msr_canonical57(uint64_t addr);
/* True for the MSRs whose live value the backend holds (vcpu_ops get_msr/
 * set_msr): IA32_PAT, SYSENTER_CS/ESP/EIP, STAR, LSTAR, CSTAR, SFMASK,
 * KERNEL_GS_BASE, TSC_AUX. */
bool msr_backend_held(uint32_t msr);
/* True for the MSRs whose value depends on the TSC offset (IA32_TSC,
 * IA32_TSC_ADJUST). */
bool msr_tsc_related(uint32_t msr);
/* The name of an emulated MSR for logs, NULL if not emulated. */
const char *msr_name(uint32_t msr);

#endif

/* vmm/vcpu.c: the emulated-MSR state of v (kept beside struct vcpu). */
struct vcpu;
struct msr_state *vcpu_msr_state(struct vcpu *v);
