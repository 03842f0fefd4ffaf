/* msr.c - emulation of the MSRs a guest may read and write: one const table
 * of MSR ranges, each with a read and a write function over the per-vCPU
 * struct msr_state. Every RDMSR/WRMSR exits (the backends intercept all
 * MSRs but FS/GS/KERNEL_GS base and, on VMX, SYSENTER_*, which hardware
 * switches and checks); an MSR not in the table, a reserved bit set, an
 * invalid memory type or a non-canonical address gets #GP(0), as hardware
 * does (SDM vol. 2B RDMSR/WRMSR). Pure: no backend, no hardware access. */
#include <plinth/log.h>
#include "msr.h"
#include "kvmclock.h"

#define MSR_TSC              0x10u
#define MSR_APIC_BASE        0x1Bu
#define MSR_FEATURE_CONTROL  0x3Au
#define MSR_TSC_ADJUST       0x3Bu
#define MSR_MTRRCAP          0xFEu
#define MSR_SYSENTER_CS      0x174u
#define MSR_SYSENTER_ESP     0x175u
#define MSR_SYSENTER_EIP     0x176u
#define MSR_MISC_ENABLE      0x1A0u
#define MSR_MTRR_PHYS_FIRST  0x200u
#define MSR_PAT              0x277u
#define MSR_MTRR_DEF_TYPE    0x2FFu
#define MSR_STAR             0xC0000081u
#define MSR_LSTAR            0xC0000082u
#define MSR_CSTAR            0xC0000083u
#define MSR_SFMASK           0xC0000084u
#define MSR_KERNEL_GS_BASE   0xC0000102u
#define MSR_TSC_AUX          0xC0000103u

/* IA32_APIC_BASE (SDM vol. 3 §11.4.4): BSP bit 8, x2APIC enable bit 10
 * (reserved unless x2APIC is offered), global enable bit 11, base from
 * bit 12 (msr.h names the bits). */
#define APIC_BASE_BSP     MSR_APIC_BASE_BSP
#define APIC_BASE_ENABLE  MSR_APIC_BASE_EN
#define APIC_BASE_EXTD    MSR_APIC_BASE_EXTD
#define APIC_BASE_DEFAULT 0xFEE00000ULL

/* IA32_MTRRCAP (SDM vol. 3 §12.11.2.1): VCNT 7:0, FIX bit 8, WC bit 10.
 * No SMRR (bit 11). */
#define MTRRCAP_VALUE     (MSR_MTRR_VAR_COUNT | BIT(8) | BIT(10))
/* IA32_MTRR_DEF_TYPE: type 7:0, FE bit 10, E bit 11; the rest reserved. */
#define MTRR_DEF_TYPE_MASK (0xFFULL | BIT(10) | BIT(11))
/* IA32_MTRR_PHYSMASKn valid bit (SDM vol. 3 §12.11.2.3). */
#define MTRR_PHYSMASK_VALID BIT(11)

/* IA32_MISC_ENABLE (SDM vol. 4 table 2-2): fast strings (0) set; BTS
 * unavailable (11) and PEBS unavailable (12) set, read-only; performance
 * monitoring available (7) clear, read-only. Guests may toggle fast
 * strings (0), automatic thermal control (3) and xTPR disable (23). */
#define MISC_ENABLE_RESET    (BIT(0) | BIT(11) | BIT(12))
#define MISC_ENABLE_RO       (BIT(7) | BIT(11) | BIT(12))
#define MISC_ENABLE_WRITABLE (BIT(0) | BIT(3) | BIT(23))

/* IA32_FEATURE_CONTROL (SDM vol. 3 §24.7): locked (bit 0) with VMXON
 * disabled: the guest sees no VMX and cannot enable it. */
#define FEATURE_CONTROL_LOCKED BIT(0)

/* The power-on PAT (SDM vol. 3 §13.12.4): WB WT UC- UC WB WT UC- UC. */
#define PAT_POWER_ON 0x0007040600070406ULL

struct msr_access {
	struct msr_state *s;
	const struct msr_ctx *ctx;
	uint32_t msr;
};

typedef enum msr_result (*msr_read_fn)(const struct msr_access *a, uint64_t *val);
typedef enum msr_result (*msr_write_fn)(const struct msr_access *a, uint64_t val);

struct msr_entry {
	uint32_t first;
	uint32_t count;
	const char *name;
	msr_read_fn read;
	msr_write_fn write;       /* NULL: read-only, writes #GP */
};

bool msr_canonical57(uint64_t addr)
{
	uint64_t top = addr >> 56;
	return top == 0 || top == 0xFF;
}

bool msr_canonical(uint64_t addr)
{
	/* Bits 63:47 all equal (48-bit linear addresses, SDM vol. 1 §3.3.7.1). */
	uint64_t top = addr >> 47;
	return top == 0 || top == 0x1FFFF;
}

/* Bits at or above MAXPHYADDR, reserved in physical-address MSRs. */
static uint64_t phys_reserved(const struct msr_ctx *ctx)
{
	unsigned bits = ctx->phys_addr_bits;
	if (bits < 36 || bits > 52)
		bits = 36;
	return ~((1ULL << bits) - 1);
}

/* Memory types an MTRR may hold (SDM vol. 3 §12.11.2 table 12-8): UC 0,
 * WC 1, WT 4, WP 5, WB 6. */
static bool mtrr_type_valid(uint64_t type)
{
	return type == 0 || type == 1 || (type >= 4 && type <= 6);
}

/* Memory types a PAT entry may hold (SDM vol. 3 §13.12.2 table 13-10):
 * those of the MTRRs plus UC- (7); 2 and 3 are reserved. */
static bool pat_type_valid(uint64_t type)
{
	return type == 7 || mtrr_type_valid(type);
}

/* Every byte of a fixed-range MTRR or the PAT holds a valid type (bits
 * 7:3 of a PAT entry are reserved, SDM vol. 3 §13.12.2). */
static bool bytes_valid(uint64_t val, bool pat)
{
	for (unsigned i = 0; i < 8; i++) {
		uint64_t t = (val >> (8 * i)) & 0xFF;
		if (pat ? !pat_type_valid(t) : !mtrr_type_valid(t))
			return false;
	}
	return true;
}

static uint64_t *plain_slot(const struct msr_access *a)
{
	struct msr_state *s = a->s;
	switch (a->msr) {
	case MSR_SYSENTER_CS: return &s->sysenter_cs;
	case MSR_SYSENTER_ESP: return &s->sysenter_esp;
	case MSR_SYSENTER_EIP: return &s->sysenter_eip;
	case MSR_STAR: return &s->star;
	case MSR_LSTAR: return &s->lstar;
	case MSR_CSTAR: return &s->cstar;
	case MSR_SFMASK: return &s->sfmask;
	case MSR_KERNEL_GS_BASE: return &s->kernel_gs_base;
	default: return &s->tsc_aux;
	}
}

static enum msr_result read_plain(const struct msr_access *a, uint64_t *val)
{
	*val = *plain_slot(a);
	return MSR_OK;
}

/* SYSENTER_CS holds a selector (bits 15:0, the rest reserved on Intel);
 * SYSENTER_ESP/EIP, LSTAR, CSTAR and KERNEL_GS_BASE hold linear addresses
 * and must be canonical (SDM vol. 2B WRMSR); SFMASK bits 63:32 and TSC_AUX
 * bits 63:32 are reserved (SDM vol. 4 table 2-2). STAR takes any value. */
static enum msr_result write_plain(const struct msr_access *a, uint64_t val)
{
	switch (a->msr) {
	case MSR_SYSENTER_CS:
		if (val >> 16)
			return MSR_GP;
		break;
	case MSR_SFMASK:
	case MSR_TSC_AUX:
		if (val >> 32)
			return MSR_GP;
		break;
	case MSR_STAR:
		break;
	default:
		if (!(a->ctx->la57 ? msr_canonical57(val) : msr_canonical(val)))
			return MSR_GP;
		break;
	}
	*plain_slot(a) = val;
	return MSR_OK;
}

static enum msr_result read_tsc(const struct msr_access *a, uint64_t *val)
{
	*val = a->ctx->host_tsc + a->s->tsc_offset;
	return MSR_OK;
}

/* Writing the TSC moves TSC_ADJUST by the same amount (SDM vol. 3
 * §18.17.3). */
static enum msr_result write_tsc(const struct msr_access *a, uint64_t val)
{
	uint64_t old = a->ctx->host_tsc + a->s->tsc_offset;
	a->s->tsc_offset = val - a->ctx->host_tsc;
	a->s->tsc_adjust += val - old;
	return MSR_OK;
}

static enum msr_result read_tsc_adjust(const struct msr_access *a, uint64_t *val)
{
	*val = a->s->tsc_adjust;
	return MSR_OK;
}

/* Writing TSC_ADJUST moves the TSC by the difference (SDM vol. 3
 * §18.17.3). */
static enum msr_result write_tsc_adjust(const struct msr_access *a, uint64_t val)
{
	a->s->tsc_offset += val - a->s->tsc_adjust;
	a->s->tsc_adjust = val;
	return MSR_OK;
}

static enum msr_result read_apic_base(const struct msr_access *a, uint64_t *val)
{
	*val = a->s->apic_base;
	return MSR_OK;
}

/* The enable (EN) and x2APIC (EXTD) bits may change, along the legal
 * transitions of SDM vol. 3 §11.12.5 (Figure 11-28): EN=0 with EXTD=1 is
 * invalid; x2APIC -> xAPIC and disabled -> x2APIC must go through the
 * other state; each of these raises #GP. Reserved bits (7:0, 9, 10
 * without x2APIC, above MAXPHYADDR) give #GP as on hardware; moving the
 * xAPIC base gives #GP too, because plinth's APIC model sits at the
 * default base only (a documented restriction, not hardware behaviour).
 * The BSP bit keeps its value. */
static enum msr_result write_apic_base(const struct msr_access *a, uint64_t val)
{
	uint64_t reserved = 0xFFULL | BIT(9) | phys_reserved(a->ctx);
	uint64_t old = a->s->apic_base;
	bool old_x2 = (old & APIC_BASE_EXTD) != 0, old_en = (old & APIC_BASE_ENABLE) != 0;
	bool x2 = (val & APIC_BASE_EXTD) != 0, en = (val & APIC_BASE_ENABLE) != 0;

	if (!a->ctx->x2apic)
		reserved |= APIC_BASE_EXTD;
	if (val & reserved)
		return MSR_GP;
	if ((val & ~0xFFFULL) != APIC_BASE_DEFAULT)
		return MSR_GP;
	if (x2 && !en)
		return MSR_GP;                          /* the invalid state */
	if (old_x2 && old_en && en && !x2)
		return MSR_GP;                          /* x2APIC -> xAPIC */
	if (!old_en && x2)
		return MSR_GP;                          /* disabled -> x2APIC */
	a->s->apic_base = (old & ~(uint64_t)(APIC_BASE_ENABLE | APIC_BASE_EXTD)) |
			  (val & (APIC_BASE_ENABLE | APIC_BASE_EXTD));
	return MSR_OK;
}

static enum msr_result read_feature_control(const struct msr_access *a, uint64_t *val)
{
	*val = FEATURE_CONTROL_LOCKED;
	return MSR_OK;
}

static enum msr_result read_mtrrcap(const struct msr_access *a, uint64_t *val)
{
	*val = MTRRCAP_VALUE;
	return MSR_OK;
}

static enum msr_result read_misc_enable(const struct msr_access *a, uint64_t *val)
{
	*val = a->s->misc_enable;
	return MSR_OK;
}

/* Writes to the read-only bits are ignored (they keep their value); bits
 * that are neither writable nor read-only are reserved: #GP. */
static enum msr_result write_misc_enable(const struct msr_access *a, uint64_t val)
{
	if (val & ~(MISC_ENABLE_WRITABLE | MISC_ENABLE_RO))
		return MSR_GP;
	a->s->misc_enable = (a->s->misc_enable & MISC_ENABLE_RO) | (val & MISC_ENABLE_WRITABLE);
	return MSR_OK;
}

static enum msr_result read_pat(const struct msr_access *a, uint64_t *val)
{
	*val = a->s->pat;
	return MSR_OK;
}

static enum msr_result write_pat(const struct msr_access *a, uint64_t val)
{
	if (!bytes_valid(val, true))
		return MSR_GP;
	a->s->pat = val;
	return MSR_OK;
}

static enum msr_result read_mtrr_def_type(const struct msr_access *a, uint64_t *val)
{
	*val = a->s->mtrr_def_type;
	return MSR_OK;
}

static enum msr_result write_mtrr_def_type(const struct msr_access *a, uint64_t val)
{
	if ((val & ~MTRR_DEF_TYPE_MASK) || !mtrr_type_valid(val & 0xFF))
		return MSR_GP;
	a->s->mtrr_def_type = val;
	return MSR_OK;
}

/* Index of a fixed-range MTRR in msr_state.mtrr_fixed (SDM vol. 3
 * §12.11.2.2): 0x250 (64K), 0x258-0x259 (16K), 0x268-0x26F (4K); -1 for
 * the holes in 0x250-0x26F. */
static int fixed_index(uint32_t msr)
{
	if (msr == 0x250)
		return 0;
	if (msr == 0x258 || msr == 0x259)
		return 1 + (int)(msr - 0x258);
	if (msr >= 0x268 && msr <= 0x26F)
		return 3 + (int)(msr - 0x268);
	return -1;
}

static enum msr_result read_mtrr_fixed(const struct msr_access *a, uint64_t *val)
{
	int i = fixed_index(a->msr);
	if (i < 0)
		return MSR_UNKNOWN;
	*val = a->s->mtrr_fixed[i];
	return MSR_OK;
}

static enum msr_result write_mtrr_fixed(const struct msr_access *a, uint64_t val)
{
	int i = fixed_index(a->msr);
	if (i < 0)
		return MSR_UNKNOWN;
	if (!bytes_valid(val, false))
		return MSR_GP;
	a->s->mtrr_fixed[i] = val;
	return MSR_OK;
}

static enum msr_result read_mtrr_var(const struct msr_access *a, uint64_t *val)
{
	*val = a->s->mtrr_var[a->msr - MSR_MTRR_PHYS_FIRST];
	return MSR_OK;
}

/* IA32_MTRR_PHYSBASEn: type 7:0, bits 11:8 reserved, base up to
 * MAXPHYADDR. IA32_MTRR_PHYSMASKn: bits 10:0 reserved, valid bit 11, mask
 * up to MAXPHYADDR (SDM vol. 3 §12.11.2.3). */
static enum msr_result write_mtrr_var(const struct msr_access *a, uint64_t val)
{
	unsigned i = a->msr - MSR_MTRR_PHYS_FIRST;
	uint64_t reserved = phys_reserved(a->ctx);

	if (i % 2 == 0) {
		if ((val & (reserved | 0xF00)) || !mtrr_type_valid(val & 0xFF))
			return MSR_GP;
	} else if (val & (reserved | 0x7FF)) {
		return MSR_GP;
	}
	a->s->mtrr_var[i] = val;
	return MSR_OK;
}

/* The microcode revision MSR 0x8B: Intel's IA32_BIOS_SIGN_ID (SDM vol. 4
 * table 2-2; the procedure of SDM vol. 3 §10.11.7.1 writes 0, executes
 * CPUID(1) and reads the revision from bits 63:32), AMD's PATCH_LEVEL
 * (read-only, the patch level in bits 31:0). Linux reads it at boot with
 * plain RDMSR/WRMSR. The vCPU reports revision 1, as KVM does for its
 * guests: plinth loads no microcode into a vCPU, and 0 would read as "no
 * update loaded" to errata checks. Intel's writes are accepted and change
 * nothing (the revision is what the next CPUID(1) would latch). */
#define MSR_UCODE_REV        0x8Bu
#define UCODE_REVISION       1u

static enum msr_result read_ucode_rev(const struct msr_access *a, uint64_t *val)
{
	*val = a->ctx->amd ? UCODE_REVISION : (uint64_t)UCODE_REVISION << 32;
	return MSR_OK;
}

static enum msr_result write_ucode_rev(const struct msr_access *a, uint64_t val)
{
	(void)val;
	return a->ctx->amd ? MSR_GP : MSR_OK;
}

/* AMD SYSCFG (APM vol. 2 §3.2.1, Figure 3-8): bits 18-22 are the MTRR
 * DRAM extensions (MtrrFixDramEn, MtrrFixDramModEn, MtrrVarDramEn,
 * MtrrTom2En, Tom2ForceMemTypeWB); the rest, SME/SEV enables included,
 * read 0 and are not offered. Plinth emulates neither TOP_MEM nor the
 * IORRs, so the power-on value 0 is what it reads until the guest writes
 * the bits (kept, without effect on memory types plinth sets itself).
 * The MSR exists on AMD CPUs only; Linux reads it without a fault handler
 * when it checks the fixed MTRRs of an AMD CPU (family 0xF and later). */
#define MSR_AMD_SYSCFG       0xC0010010u
#define SYSCFG_WRITABLE      (BIT(18) | BIT(19) | BIT(20) | BIT(21) | BIT(22))

static enum msr_result read_syscfg(const struct msr_access *a, uint64_t *val)
{
	if (!a->ctx->amd)
		return MSR_UNKNOWN;
	*val = a->s->syscfg;
	return MSR_OK;
}

static enum msr_result write_syscfg(const struct msr_access *a, uint64_t val)
{
	if (!a->ctx->amd)
		return MSR_UNKNOWN;
	if (val & ~SYSCFG_WRITABLE)
		return MSR_GP;
	a->s->syscfg = val;
	return MSR_OK;
}

/* The interrupt pending message register of AMD family 0Fh/10h (BKDG for
 * family 10h §2.16 MSRC001_0055): bits 27 and 28 send the cores into SMI
 * or C1E on a halt of all cores, which Linux checks for erratum 400 with
 * a plain RDMSR. Plinth halts a vCPU only as HLT: both read 0 and cannot
 * be set; the message bits below are kept as written. */
#define MSR_AMD_INT_PENDING_MSG 0xC0010055u
#define INT_PENDING_C1E_SMI     (BIT(27) | BIT(28))

static enum msr_result read_int_pending(const struct msr_access *a, uint64_t *val)
{
	if (!a->ctx->amd)
		return MSR_UNKNOWN;
	*val = a->s->int_pending_msg;
	return MSR_OK;
}

static enum msr_result write_int_pending(const struct msr_access *a, uint64_t val)
{
	if (!a->ctx->amd)
		return MSR_UNKNOWN;
	if (val & (INT_PENDING_C1E_SMI | ~0xFFFFFFFFull))
		return MSR_GP;
	a->s->int_pending_msg = val;
	return MSR_OK;
}

/* kvm-clock's MSRs (vmm/kvmclock.h): they read back what was written;
 * vmm/kvmclock.c fills the structures after a write. The addresses are
 * guest-physical: bits at or above MAXPHYADDR are refused with #GP. */
static enum msr_result read_kvmclock(const struct msr_access *a, uint64_t *val)
{
	*val = a->msr == MSR_KVM_SYSTEM_TIME_NEW ? a->s->kvm_system_time : a->s->kvm_wall_clock;
	return MSR_OK;
}

static enum msr_result write_kvmclock(const struct msr_access *a, uint64_t val)
{
	if (val & phys_reserved(a->ctx))
		return MSR_GP;
	if (a->msr == MSR_KVM_SYSTEM_TIME_NEW)
		a->s->kvm_system_time = val;
	else
		a->s->kvm_wall_clock = val;
	return MSR_OK;
}

static const struct msr_entry msr_table[] = {
	{ MSR_TSC, 1, "IA32_TIME_STAMP_COUNTER", read_tsc, write_tsc },
	{ MSR_APIC_BASE, 1, "IA32_APIC_BASE", read_apic_base, write_apic_base },
	{ MSR_FEATURE_CONTROL, 1, "IA32_FEATURE_CONTROL", read_feature_control, NULL },
	{ MSR_UCODE_REV, 1, "IA32_BIOS_SIGN_ID/PATCH_LEVEL", read_ucode_rev, write_ucode_rev },
	{ MSR_TSC_ADJUST, 1, "IA32_TSC_ADJUST", read_tsc_adjust, write_tsc_adjust },
	{ MSR_MTRRCAP, 1, "IA32_MTRRCAP", read_mtrrcap, NULL },
	{ MSR_SYSENTER_CS, 3, "IA32_SYSENTER_CS/ESP/EIP", read_plain, write_plain },
	{ MSR_MISC_ENABLE, 1, "IA32_MISC_ENABLE", read_misc_enable, write_misc_enable },
	{ MSR_MTRR_PHYS_FIRST, 2 * MSR_MTRR_VAR_COUNT, "IA32_MTRR_PHYSBASE/MASK",
	  read_mtrr_var, write_mtrr_var },
	{ 0x250, 0x20, "IA32_MTRR_FIX", read_mtrr_fixed, write_mtrr_fixed },
	{ MSR_PAT, 1, "IA32_PAT", read_pat, write_pat },
	{ MSR_MTRR_DEF_TYPE, 1, "IA32_MTRR_DEF_TYPE", read_mtrr_def_type, write_mtrr_def_type },
	{ MSR_STAR, 4, "STAR/LSTAR/CSTAR/SFMASK", read_plain, write_plain },
	{ MSR_KERNEL_GS_BASE, 2, "KERNEL_GS_BASE/TSC_AUX", read_plain, write_plain },
	{ MSR_AMD_SYSCFG, 1, "SYSCFG", read_syscfg, write_syscfg },
	{ MSR_AMD_INT_PENDING_MSG, 1, "INT_PENDING_MSG", read_int_pending, write_int_pending },
	{ MSR_KVM_WALL_CLOCK_NEW, 2, "KVM_WALL_CLOCK/SYSTEM_TIME_NEW", read_kvmclock,
	  write_kvmclock },
};

static const struct msr_entry *find_entry(uint32_t msr)
{
	for (size_t i = 0; i < ARRAY_SIZE(msr_table); i++)
		if (msr - msr_table[i].first < msr_table[i].count)
			return &msr_table[i];
	return NULL;
}

bool msr_backend_held(uint32_t msr)
{
	switch (msr) {
	case MSR_PAT:
	case MSR_SYSENTER_CS: case MSR_SYSENTER_ESP: case MSR_SYSENTER_EIP:
	case MSR_STAR: case MSR_LSTAR: case MSR_CSTAR: case MSR_SFMASK:
	case MSR_KERNEL_GS_BASE: case MSR_TSC_AUX:
		return true;
	default:
		return false;
	}
}

bool msr_tsc_related(uint32_t msr)
{
	return msr == MSR_TSC || msr == MSR_TSC_ADJUST;
}

const char *msr_name(uint32_t msr)
{
	const struct msr_entry *e = find_entry(msr);
	return e && (e->first != 0x250 || fixed_index(msr) >= 0) ? e->name : NULL;
}

void msr_state_reset(struct msr_state *s, const struct msr_ctx *ctx)
{
	*s = (struct msr_state){
		.apic_base = APIC_BASE_DEFAULT | APIC_BASE_ENABLE | (ctx->bsp ? APIC_BASE_BSP : 0),
		.pat = PAT_POWER_ON,
		.misc_enable = MISC_ENABLE_RESET,
		/* The guest TSC reads 0 at host TSC ctx->host_tsc, as at
		 * power-on (SDM vol. 3 §18.17): vmm/vcpu.c passes the host
		 * TSC of the VM's creation, so all its vCPUs share the
		 * offset (vmm/kvmclock.h). */
		.tsc_offset = 0 - ctx->host_tsc,
	};
}

enum msr_result msr_read(struct msr_state *s, const struct msr_ctx *ctx, uint32_t msr,
			 uint64_t *val)
{
	const struct msr_entry *e = find_entry(msr);
	const struct msr_access a = { s, ctx, msr };

	if (!e)
		return MSR_UNKNOWN;
	return e->read(&a, val);
}

enum msr_result msr_write(struct msr_state *s, const struct msr_ctx *ctx, uint32_t msr,
			  uint64_t val)
{
	const struct msr_entry *e = find_entry(msr);
	const struct msr_access a = { s, ctx, msr };

	if (!e)
		return MSR_UNKNOWN;
	if (!e->write) {
		/* Read-only MSRs fault on WRMSR (SDM vol. 4 §2.1). */
		pr_debug("msr: write to read-only %s (0x%x)", e->name, msr);
		return MSR_GP;
	}
	return e->write(&a, val);
}
