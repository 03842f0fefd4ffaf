/* smp.c - starting the application processors (Intel SDM vol. 3 §9.4.4,
 * "MP Initialization Example"; §11.6.1 for the IPIs).
 *
 * One AP at a time: the BSP fills the trampoline's fields for it (its
 * per-CPU area, whose stack_top holds a fresh guarded stack), sends INIT,
 * waits 10 ms, sends STARTUP, waits 200 us, sends a second STARTUP only if
 * the AP has not yet run the trampoline, then waits up to a second for the
 * AP to mark itself online. An AP that does not come up is reported and
 * skipped. Serialising keeps the one trampoline page and its fields simple:
 * they belong to one AP at a time. */
#include <plinth/acpi.h>
#include <plinth/log.h>
#include <plinth/mm.h>
#include <plinth/options.h>
#include <plinth/string.h>
#include <plinth/time.h>
#include <plinth/virt.h>
#include <plinth/vm.h>
#include <x86/arch.h>
#include <x86/cpu.h>
#include <x86/cpu_init.h>
#include <x86/lapic.h>
#include <x86/percpu.h>
#include <x86/smp_trampoline.h>
#include <x86/tsc_sync.h>

#define AP_STACK_PAGES        8
#define AP_ONLINE_TIMEOUT_US  1000000   /* per AP (virtual time in Bochs) */
#define AP_POLL_US            100
#define INIT_DELAY_MS         10        /* §9.4.4.1: INIT, 10 ms, STARTUP */
#define SIPI_DELAY_US         200       /* STARTUP, 200 us, (second STARTUP) */

/* Page-table entry bits (SDM vol. 3 §4.5, Tables 4-15 ff.). */
#define PTE_P                 BIT(0)
#define PTE_RW                BIT(1)
#define PTE_PS                BIT(7)
#define PML4_ENTRIES          512
#define PML4_UPPER_HALF       256       /* entries 256..511 map the kernel half */

_Static_assert(offsetof(struct percpu, stack_top) == PERCPU_STACK_TOP_OFF,
	       "arch/x86/trampoline.S reads percpu->stack_top at PERCPU_STACK_TOP_OFF");
_Static_assert((TRAMPOLINE_PA & 0xFFF) == 0 && TRAMPOLINE_PA < 0x100000,
	       "a STARTUP IPI can only name a page below 1 MiB");

/* The temporary paging hierarchy the trampoline switches to: PML4, one
 * PDPT and one PD for the identity map of 0-2 MiB. Below 4 GiB (a 32-bit
 * MOV to CR3 loads it). */
static paddr_t tmp_pml4, tmp_pdpt, tmp_pd;

/* Where a field of the installed trampoline is, through the direct map. */
static void *tr_field(const char *sym)
{
	uintptr_t off = (uintptr_t)sym - (uintptr_t)smp_trampoline_start;
	return (uint8_t *)phys_to_virt(TRAMPOLINE_PA) + off;
}

static paddr_t alloc_low_table(void)
{
	paddr_t pa = page_alloc_below(0, 4 * GiB);
	if (pa)
		memset(phys_to_virt(pa), 0, PAGE_SIZE);
	return pa;
}

/* Copy the host tables' upper-half PML4 entries into the temporary PML4
 * (they point at shared lower-level tables, so later mappings inside these
 * slots show through; refreshed before each AP in case a new slot was
 * populated). */
static void tmp_tables_sync_upper(void)
{
	const uint64_t *host = phys_to_virt(host_cr3());
	uint64_t *tmp = phys_to_virt(tmp_pml4);
	for (unsigned i = PML4_UPPER_HALF; i < PML4_ENTRIES; i++)
		tmp[i] = host[i];
}

/* Build the temporary tables. Returns 0 or -ENOMEM (logged). */
static int tmp_tables_build(void)
{
	tmp_pml4 = alloc_low_table();
	tmp_pdpt = alloc_low_table();
	tmp_pd = alloc_low_table();
	if (!tmp_pml4 || !tmp_pdpt || !tmp_pd) {
		pr_err("smp: no memory below 4 GiB for the AP start-up page tables");
		return -ENOMEM;
	}
	uint64_t *pml4 = phys_to_virt(tmp_pml4);
	uint64_t *pdpt = phys_to_virt(tmp_pdpt);
	uint64_t *pd = phys_to_virt(tmp_pd);
	/* 0-2 MiB identity, one 2-MiB page (§4.5: PS in a PDE), writable and
	 * executable: the trampoline runs from it and writes its fields. */
	pd[0] = 0 | PTE_P | PTE_RW | PTE_PS;
	pdpt[0] = tmp_pd | PTE_P | PTE_RW;
	pml4[0] = tmp_pdpt | PTE_P | PTE_RW;
	tmp_tables_sync_upper();
	return 0;
}

static void tmp_tables_free(void)
{
	if (tmp_pd)
		page_free(tmp_pd, 0);
	if (tmp_pdpt)
		page_free(tmp_pdpt, 0);
	if (tmp_pml4)
		page_free(tmp_pml4, 0);
	tmp_pml4 = tmp_pdpt = tmp_pd = 0;
}

/* Copy the trampoline to TRAMPOLINE_PA and fill in the fields that are the
 * same for every AP. The page must be RAM: it is checked by reading the
 * copy back (ROM or a hole would not hold it). Returns 0 or -EIO. */
static int trampoline_install(void)
{
	size_t len = (uintptr_t)smp_trampoline_end - (uintptr_t)smp_trampoline_start;
	uint8_t *page = phys_to_virt(TRAMPOLINE_PA);

	if (len > PAGE_SIZE) {
		pr_err("smp: the trampoline is %zu bytes, more than a page", len);
		return -EIO;
	}
	memcpy(page, smp_trampoline_start, len);
	if (memcmp(page, smp_trampoline_start, len) != 0) {
		pr_err("smp: memory at 0x%x does not hold the AP trampoline (not RAM?)",
		       TRAMPOLINE_PA);
		return -EIO;
	}

	/* EFER for the AP: long mode, and NXE if the host tables may use the
	 * XD bit (this CPU runs them with NXE set). */
	uint32_t efer_set = (uint32_t)EFER_LME;
	if (rdmsr(MSR_EFER) & EFER_NXE)
		efer_set |= (uint32_t)EFER_NXE;
	*(volatile uint32_t *)tr_field(smp_tr_cr3) = (uint32_t)tmp_pml4;
	*(volatile uint32_t *)tr_field(smp_tr_efer_set) = efer_set;
	*(volatile uint64_t *)tr_field(smp_tr_entry64) = (uint64_t)(uintptr_t)smp_ap_entry64;
	*(volatile uint64_t *)tr_field(smp_tr_percpu) = 0;
	return 0;
}

enum ap_start_result {
	AP_ONLINE,
	AP_NO_RESPONSE,     /* never took its per-CPU area: the slot can be reused */
	AP_LATE,            /* took its area but did not come online in time */
	AP_SETUP_FAILED,    /* nothing was sent */
};

/* Start the CPU with APIC ID apic_id as logical CPU pc->cpu_id and wait for
 * it. Returns how it went (problems logged). */
static enum ap_start_result ap_start(struct percpu *pc, uint32_t apic_id)
{
	if (!lapic_x2apic_mode() && apic_id > 0xFF) {
		pr_err("smp: CPU %u has APIC id %u, which xAPIC mode cannot address; skipped",
		       pc->cpu_id, apic_id);
		return AP_SETUP_FAILED;
	}
	if (!pc->stack_top) {
		pc->stack_top = kstack_alloc(AP_STACK_PAGES);
		if (!pc->stack_top) {
			pr_err("smp: no memory for CPU %u's stack; not started", pc->cpu_id);
			return AP_SETUP_FAILED;
		}
	}
	pc->apic_id = apic_id;
	WRITE_ONCE(pc->online, false);
	tmp_tables_sync_upper();

	volatile uint32_t *alive = tr_field(smp_tr_alive);
	*alive = 0;
	/* Release: the AP reads pc (and the tables) after taking the pointer. */
	__atomic_store_n((uint64_t *)tr_field(smp_tr_percpu), (uint64_t)(uintptr_t)pc,
			 __ATOMIC_RELEASE);

	lapic_send_init(apic_id);
	mdelay(INIT_DELAY_MS);
	lapic_send_sipi(apic_id, TRAMPOLINE_PA >> 12);
	udelay(SIPI_DELAY_US);
	if (!*alive) {
		/* A STARTUP that arrives while the AP is not waiting for one is
		 * ignored (§9.4.4.1), so the second one is harmless either way. */
		lapic_send_sipi(apic_id, TRAMPOLINE_PA >> 12);
		udelay(SIPI_DELAY_US);
	}

	for (unsigned waited = 0; waited < AP_ONLINE_TIMEOUT_US; waited += AP_POLL_US) {
		if (__atomic_load_n(&pc->online, __ATOMIC_ACQUIRE))
			return AP_ONLINE;
		udelay(AP_POLL_US);
	}
	if (__atomic_load_n(&pc->online, __ATOMIC_ACQUIRE))
		return AP_ONLINE;

	/* Take the area back. If the AP already took it, it keeps its area and
	 * stack (nobody else gets them) and may still come online later. */
	uint64_t left = __atomic_exchange_n((uint64_t *)tr_field(smp_tr_percpu), 0,
					    __ATOMIC_ACQ_REL);
	if (left) {
		pr_err("smp: CPU %u (APIC id %u) did not start%s", pc->cpu_id, apic_id,
		       *alive ? " (it ran the trampoline but never reached 64-bit mode)" : "");
		return AP_NO_RESPONSE;
	}
	pr_err("smp: CPU %u (APIC id %u) did not start: it entered 64-bit mode but did not "
	       "come online within %u ms", pc->cpu_id, apic_id, AP_ONLINE_TIMEOUT_US / 1000);
	return AP_LATE;
}

/* Enabled CPUs in the MADT (at least 1: the BSP). */
static unsigned madt_enabled_cpus(void)
{
	unsigned n = 0;
	for (unsigned i = 0; i < acpi.cpu_count && i < ACPI_MAX_CPUS; i++)
		n += acpi.cpus[i].enabled ? 1 : 0;
	return n ? n : 1;
}

void smp_boot_aps(void)
{
	unsigned listed = madt_enabled_cpus();
	unsigned possible = percpu_set_possible(listed);
	unsigned limit = possible;
	if (hv_opts.max_cpus && hv_opts.max_cpus < limit)
		limit = (unsigned)hv_opts.max_cpus;
	uint32_t bsp_id = lapic_id();

	bool bsp_listed = false;
	for (unsigned i = 0; i < acpi.cpu_count && i < ACPI_MAX_CPUS; i++)
		bsp_listed |= acpi.cpus[i].apic_id == bsp_id;
	if (acpi.cpu_count && !bsp_listed)
		pr_warn("smp: the bootstrap processor (APIC id %u) is not in the MADT", bsp_id);

	unsigned next_cpu = 1, skipped = 0;
	bool any_late = false;
	if (limit > 1 && listed > 1) {
		if (!lapic_ready()) {
			pr_err("smp: the local APIC is not set up; the other CPUs cannot be started");
		} else if (tmp_tables_build() == 0 && trampoline_install() == 0) {
			for (unsigned i = 0; i < acpi.cpu_count && i < ACPI_MAX_CPUS; i++) {
				const struct acpi_cpu *c = &acpi.cpus[i];
				if (!c->enabled || c->apic_id == bsp_id)
					continue;
				if (next_cpu >= limit) {
					skipped++;
					continue;
				}
				struct percpu *pc = percpu_of(next_cpu);
				if (!pc)
					break;
				enum ap_start_result r = ap_start(pc, c->apic_id);
				if (r == AP_ONLINE) {
					pr_debug("smp: CPU %u (APIC id %u) online", next_cpu,
						 c->apic_id);
					tsc_sync_source(next_cpu);
					next_cpu++;
				} else if (r == AP_LATE) {
					any_late = true;
					next_cpu++;   /* the area stays with that AP */
				}
				/* Otherwise the area was never used: the next CPU gets it. */
			}
		}
		/* A late AP may still run on the temporary tables: keep them. */
		if (!any_late)
			tmp_tables_free();
	}
	if (skipped)
		pr_info("smp: %u more CPUs not started (limit %u: smp=%llu, at most %u supported)",
			skipped, limit, (unsigned long long)hv_opts.max_cpus, MAX_CPUS);
	pr_info("smp: %u CPUs online (%u enabled in the MADT, limit %u)", cpu_online_count(),
		listed, limit);
	tsc_sync_report(cpu_online_count());
}

void smp_ap_main(struct percpu *pc)
{
	/* Host tables, PAT, NXE, WP, PGE as on the BSP: leaves the temporary
	 * tables, so the trampoline page is unmapped from here on. */
	paging_init_this_cpu();
	/* The area must be this CPU's: anything else would mean two CPUs on one
	 * stack. Nothing can be logged yet (no GS base), so park quietly; the
	 * BSP reports the CPU as not started. */
	if (lapic_id() != pc->apic_id) {
		for (;;)
			__asm__ __volatile__("cli; hlt" ::: "memory");
	}
	cpu_init_ap(pc);       /* GS, IDT, GDT/TSS, IST stacks, CPU features */
	lapic_init_ap();
	/* VMX/SVM on this CPU too (<plinth/virt.h>: every CPU). Failure is
	 * logged there and leaves this CPU without virtualization; without
	 * VMX/SVM on the machine it does nothing. */
	(void)virt_cpu_enable();
	__atomic_store_n(&pc->online, true, __ATOMIC_RELEASE);
	tsc_sync_target(pc->cpu_id);   /* the BSP's TSC warp test (tsc_sync.h) */
	/* Instead of idling: run vCPUs once the scheduler is up (it halts
	 * until then). */
	vmm_cpu_loop();
}
