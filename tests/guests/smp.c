/* smp.c - test guest for a VM with two vCPUs (vms.cfg vcpus = 2). The BSP
 * finds the platform's description of two CPUs (fw_cfg key 0x05, the ACPI
 * MADT), starts the AP with INIT, SIPI, SIPI through the xAPIC ICR (Intel
 * SDM vol. 3 §8.4.4.1, §11.6.1) into a real-mode trampoline below 1 MiB
 * (smp_tramp.S), then checks interrupts between the two local APICs:
 * fixed IPIs each way, 1000 IPIs each way at the same time, an NMI, the
 * all-excluding-self and all-including-self shorthands, an IPI waking the
 * AP from HLT, ICR writes a guest must not be able to hurt anything with
 * (a destination no CPU has, an illegal vector, a SIPI to a running AP,
 * reserved delivery modes and bits), logical destinations (flat model)
 * and lowest priority, and finally LOCK-prefixed increments of one
 * counter by both CPUs at once.
 * Only the BSP prints; the AP reports through shared memory and runs the
 * commands the BSP posts in a mailbox. Every wait has a timeout measured
 * on the ACPI PM timer (port from the FADT), so a broken hypervisor gives
 * FAIL lines rather than a hang. Exits (port 0xF4) with the failures.
 * Passes in plain QEMU (qemu-system-x86_64 -machine pc -smp 2 -kernel).
 * With the command line "bystander" it is instead a one-vCPU VM that
 * watches for interrupts sent by another VM (see bystander_main). */
#include "apic_regs.h"
#include "guest.h"

#define PM_TIMER_HZ 3579545u          /* ACPI 6.5 §4.8.3.3 */
#define AP_START_US 2000000u
#define IPI_US      1000000u
#define ICR_US      100000u
#define BURST       1000u
#define LOCK_INCS   100000u
#define NONE_ID     7u                /* an APIC ID no vCPU has */

/* ICR low dword (SDM vol. 3 §11.6.1 Figure 11-12). */
#define ICR_FIXED        0x000u
#define ICR_NMI          0x400u
#define ICR_INIT         0x500u
#define ICR_STARTUP      0x600u
#define ICR_LOWEST       0x100u
#define ICR_LOGICAL      (1u << 11)
#define ICR_ASSERT       (1u << 14)
#define ICR_ALL_INCL     (2u << 18)
#define ICR_ALL_EXCL     (3u << 18)

#define VEC_ILLEGAL   0x03            /* vectors 0-15 are illegal (§11.5.2) */
#define VEC_TO_AP     0x40
#define VEC_TO_BSP    0x41
#define VEC_ALL_EXCL  0x42
#define VEC_ALL_INCL  0x43
#define VEC_WAKE      0x44
#define VEC_NOWHERE   0x45
#define VEC_GARBAGE   0x46
#define VEC_LOGICAL   0x47
#define VEC_LOG_BOTH  0x48
#define VEC_LOWEST    0x49
#define VEC_SPURIOUS  0xFF

/* ---- time: the ACPI PM timer, 24 bits wide (32 with TMR_VAL_EXT, of
 * which the low 24 wrap the same way) ---- */
struct pm_clock {
	uint32_t last;
	uint64_t ticks;
	uint32_t cpu;             /* whose progress its polls count (0 BSP, 1 AP) */
};

/* Progress of each CPU (0 BSP, 1 AP) while it runs with IF=1: +1 per poll
 * of a wait (a PM timer read: a VM exit, and an entry at which plinth
 * injects whatever is pending) and per PROGRESS_IDLE_PAUSES of the AP's
 * idle loop (no exits: only plinth's kick makes it exit). Only the owner
 * writes its counter. QEMU's clocks follow host wall time, so a host that
 * deschedules one vCPU thread makes any wall-time bound on an IPI fail;
 * the target's own progress does not move then. */
static volatile uint32_t progress[2];
#define PROGRESS_IDLE_PAUSES 1024u

static volatile uint16_t pm_port;     /* 0: no PM timer found */

/* Ticks since the clock was started. Without a PM timer each call counts
 * as 10 us, so waits stay bounded (in polls) even then. */
static uint64_t clock_now(struct pm_clock *c)
{
	uint32_t v;

	progress[c->cpu & 1]++;
	if (!pm_port) {
		c->ticks += PM_TIMER_HZ / 100000u;
		return c->ticks;
	}
	v = inl(pm_port) & 0xFFFFFFu;
	c->ticks += (v - c->last) & 0xFFFFFFu;
	c->last = v;
	return c->ticks;
}

static void clock_start(struct pm_clock *c)
{
	c->ticks = 0;
	c->last = pm_port ? (inl(pm_port) & 0xFFFFFFu) : 0;
}

/* us (< 24 s) in PM timer ticks: 3.58 per microsecond. */
static uint64_t us_ticks(uint32_t us)
{
	return (uint64_t)(us * 179u / 50u);
}

static inline void cpu_relax(void) { __asm__ __volatile__("pause" ::: "memory"); }

/* Evaluate cond until it holds or us microseconds have passed; the value
 * is cond's last result. A poll (64 PAUSEs and a port read) takes more
 * than a microsecond anywhere, so at most us polls are made: a PM timer
 * that stopped counting cannot turn a wait into a hang. */
#define WAIT_UNTIL(clk, us, cond) __extension__({                             \
	bool ok_ = (cond);                                                    \
	if (!ok_) {                                                           \
		uint64_t end_ = clock_now(clk) + us_ticks(us);                \
		for (uint32_t polls_ = 0; !(ok_ = (cond)) && polls_ < (us) && \
					  clock_now(clk) < end_; polls_++)    \
			for (int i_ = 0; i_ < 64; i_++)                       \
				cpu_relax();                                  \
	}                                                                     \
	ok_; })

static void delay_us(struct pm_clock *c, uint32_t us)
{
	(void)WAIT_UNTIL(c, us, false);
}

/* A burst IPI is late when its target made IPI_LATE_PROGRESS progress
 * (polls: entries at which plinth had to inject it, or idle PAUSEs in
 * which plinth's kick had to make it exit) with IF=1 and still had not
 * taken it; plinth injects a pending IPI at the target's next entry, so
 * the margin is wide. IPI_HANG_US of wall time only guards against a hang. */
#define IPI_LATE_PROGRESS 2000u
#define IPI_HANG_US       20000000u

/* Wait until *count (bumped by target's handler) reaches want: true if it
 * did before the target made IPI_LATE_PROGRESS progress. *made: the
 * target's progress meanwhile. */
static bool wait_taken(struct pm_clock *c, unsigned target, volatile uint32_t *count,
		       uint32_t want, uint32_t *made)
{
	uint32_t p0 = progress[target & 1];

	(void)WAIT_UNTIL(c, IPI_HANG_US,
			 *count >= want || progress[target & 1] - p0 > IPI_LATE_PROGRESS);
	*made = progress[target & 1] - p0;
	return *count >= want;
}

/* ---- state shared by the two CPUs ---- */
/* irq_count[cpu][vector]: cpu is the APIC ID (0 BSP, 1 AP), 2 any other. */
static volatile uint32_t irq_count[3][256];
static volatile uint32_t nmi_count[3];
static volatile uint32_t spurious_count;

/* Referenced by smp_tramp.S. */
volatile uint32_t smp_ap_starts;
/* smp_tramp.S: AP_STACKS stacks of AP_STACK_SIZE bytes. */
uint8_t smp_ap_stacks[2][4096] __attribute__((aligned(16)));

extern const uint8_t smp_tramp_start[], smp_tramp_end[];
extern const char smp_tramp_phys[];

struct dtr { uint16_t limit; uint32_t base; } __attribute__((packed));
static struct dtr bsp_gdtr, bsp_idtr;

/* What the AP found at its start. */
static volatile struct {
	uint32_t ready;
	uint32_t apic_id;         /* APIC ID register [31:24] */
	uint32_t cpuid_id;        /* CPUID.1:EBX[31:24], the initial APIC ID */
	uint32_t svr_at_start;    /* SVR before the AP enabled its APIC */
	uint32_t svr;             /* SVR after enabling */
} ap_info;

/* The AP's mailbox: the BSP fills cmd/arg and bumps seq; the AP runs the
 * command and sets ack = seq. */
enum ap_cmd { CMD_PING, CMD_IPI_BURST, CMD_HALT, CMD_LOCK_INC, CMD_SET_LDR };
static volatile struct {
	uint32_t seq, ack;
	uint32_t cmd, arg0, arg1;
	uint32_t errors;          /* IPIs the AP could not get counted */
	uint32_t fail_at;         /* the burst IPI that failed last */
	uint32_t fail_progress;   /* the BSP's progress while it was not taken */
	uint32_t halting;         /* the AP is about to execute HLT */
	uint32_t lock_ready, go;  /* the LOCK test's start line */
	uint32_t lock_first, lock_last;
} mbox;

static volatile uint32_t lock_counter;

static unsigned this_cpu(void)
{
	uint32_t id = apic_read(APIC_ID) >> 24;
	return id < 2 ? id : 2;
}

/* ---- interrupt handlers (one IDT, shared by both CPUs) ---- */
#define IRQ_HANDLER(vec)                                                         \
	void irq_##vec(void);                                                    \
	void irq_##vec(void)                                                     \
	{                                                                        \
		__atomic_add_fetch(&irq_count[this_cpu()][vec], 1, __ATOMIC_SEQ_CST); \
		apic_write(APIC_EOI, 0);                                         \
	}                                                                        \
	GUEST_IRQ_STUB(stub_##vec, irq_##vec)

IRQ_HANDLER(0x03);
IRQ_HANDLER(0x40);
IRQ_HANDLER(0x41);
IRQ_HANDLER(0x42);
IRQ_HANDLER(0x43);
IRQ_HANDLER(0x44);
IRQ_HANDLER(0x45);
IRQ_HANDLER(0x46);
IRQ_HANDLER(0x47);
IRQ_HANDLER(0x48);
IRQ_HANDLER(0x49);

/* NMIs need no EOI (SDM vol. 3 §11.8.5); IRET ends NMI blocking. */
void nmi_handler(void);
void nmi_handler(void)
{
	__atomic_add_fetch(&nmi_count[this_cpu()], 1, __ATOMIC_SEQ_CST);
}
GUEST_IRQ_STUB(stub_nmi, nmi_handler);

/* A spurious interrupt takes no EOI (SDM vol. 3 §11.9). */
void spurious_handler(void);
void spurious_handler(void)
{
	__atomic_add_fetch(&spurious_count, 1, __ATOMIC_SEQ_CST);
}
GUEST_IRQ_STUB(stub_spurious, spurious_handler);

/* ---- the ICR ---- */
static bool icr_idle(struct pm_clock *c)
{
	return WAIT_UNTIL(c, ICR_US, !(apic_read(APIC_ICR_LOW) & APIC_ICR_BUSY));
}

/* Send one IPI: wait for a free ICR, write the destination, then the low
 * dword (the write that sends, SDM vol. 3 §11.6.1), and wait until the
 * delivery status is idle again. false if it never was. */
static bool ipi_send(struct pm_clock *c, uint32_t dest_id, uint32_t low)
{
	if (!icr_idle(c))
		return false;
	apic_write(APIC_ICR_HIGH, dest_id << 24);
	apic_write(APIC_ICR_LOW, low);
	return icr_idle(c);
}

/* ---- the AP ---- */
static void ap_command(uint32_t cmd, struct pm_clock *c)
{
	switch (cmd) {
	case CMD_PING:
		break;
	case CMD_IPI_BURST: {
		uint32_t vec = mbox.arg1, base = irq_count[0][vec], made;
		for (uint32_t i = 0; i < mbox.arg0; i++) {
			if (!ipi_send(c, 0, ICR_FIXED | vec) ||
			    !wait_taken(c, 0, &irq_count[0][vec], base + i + 1, &made)) {
				mbox.fail_at = i;
				mbox.fail_progress = made;
				mbox.errors++;
				break;
			}
		}
		break;
	}
	case CMD_HALT:
		/* STI's interrupt shadow covers HLT: an IPI sent after
		 * halting = 1 is seen is taken in HLT, not before it. */
		__asm__ __volatile__("cli" ::: "memory");
		mbox.halting = 1;
		__asm__ __volatile__("sti; hlt" ::: "memory");
		mbox.halting = 0;
		break;
	case CMD_LOCK_INC: {
		uint32_t first = 0, v = 0;
		mbox.lock_ready = 1;
		if (!WAIT_UNTIL(c, AP_START_US, mbox.go)) {
			mbox.errors++;
			break;
		}
		for (uint32_t i = 0; i < mbox.arg0; i++) {
			v = 1;
			__asm__ __volatile__("lock xaddl %0, %1" : "+r"(v), "+m"(lock_counter) :: "memory");
			if (i == 0)
				first = v;
		}
		mbox.lock_first = first;
		mbox.lock_last = v;
		break;
	}
	case CMD_SET_LDR:
		apic_write(APIC_DFR, 0xFFFFFFFFu);
		apic_write(APIC_LDR, mbox.arg0 << 24);
		break;
	default:
		mbox.errors++;
	}
}

void smp_ap_main(uint32_t start_index) __attribute__((noreturn));
void smp_ap_main(uint32_t start_index)
{
	struct pm_clock clk = { .cpu = 1 };
	uint32_t r[4], idle_pauses = 0;

	/* A restarted AP (a SIPI that should have been ignored) parks: the
	 * BSP sees smp_ap_starts > 1. */
	if (start_index != 0)
		for (;;)
			__asm__ __volatile__("cli; hlt");
	/* The BSP's GDT (same selectors as the trampoline's) and IDT. */
	__asm__ __volatile__("lgdt %0\n\t"
			     "ljmp $0x08, $1f\n"
			     "1:\tmov $0x10, %%eax\n\t"
			     "mov %%eax, %%ds\n\tmov %%eax, %%es\n\tmov %%eax, %%ss\n\t"
			     "mov %%eax, %%fs\n\tmov %%eax, %%gs\n\t"
			     "lidt %1" :: "m"(bsp_gdtr), "m"(bsp_idtr) : "eax", "memory");
	ap_info.svr_at_start = apic_read(APIC_SVR);
	apic_write(APIC_SVR, APIC_SVR_ENABLE | VEC_SPURIOUS);
	apic_write(APIC_TPR, 0);
	ap_info.svr = apic_read(APIC_SVR);
	ap_info.apic_id = apic_read(APIC_ID) >> 24;
	cpuid(1, 0, r);
	ap_info.cpuid_id = r[1] >> 24;
	clock_start(&clk);
	__atomic_store_n(&ap_info.ready, 1, __ATOMIC_RELEASE);
	__asm__ __volatile__("sti");
	for (;;) {
		uint32_t seq = __atomic_load_n(&mbox.seq, __ATOMIC_ACQUIRE);
		if (seq == mbox.ack) {
			if (++idle_pauses % PROGRESS_IDLE_PAUSES == 0)
				progress[1]++;
			cpu_relax();
			continue;
		}
		ap_command(mbox.cmd, &clk);
		__atomic_store_n(&mbox.ack, seq, __ATOMIC_RELEASE);
	}
}

/* BSP: post a command to the AP (does not wait). */
static void ap_post(uint32_t cmd, uint32_t arg0, uint32_t arg1)
{
	mbox.cmd = cmd;
	mbox.arg0 = arg0;
	mbox.arg1 = arg1;
	__atomic_store_n(&mbox.seq, mbox.seq + 1, __ATOMIC_RELEASE);
}

static bool ap_done(struct pm_clock *c, uint32_t us)
{
	return WAIT_UNTIL(c, us, __atomic_load_n(&mbox.ack, __ATOMIC_ACQUIRE) == mbox.seq);
}

/* ---- ACPI (ACPI 6.5 §5.2) ---- */
static bool sum_ok(const uint8_t *p, uint32_t len)
{
	uint8_t s = 0;
	for (uint32_t i = 0; i < len; i++)
		s = (uint8_t)(s + p[i]);
	return s == 0;
}

static uint32_t rd32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }

static bool sig_is(const uint8_t *p, const char *sig, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (p[i] != (uint8_t)sig[i])
			return false;
	return true;
}

/* The RSDP on a 16-byte boundary of the BIOS area 0xE0000-0xFFFFF with a
 * valid checksum over its first 20 bytes (§5.2.5.1, §5.2.5.3), or NULL. */
static const uint8_t *find_rsdp(void)
{
	for (uint32_t a = 0xE0000; a < 0x100000; a += 16) {
		const uint8_t *p = (const uint8_t *)a;
		if (sig_is(p, "RSD PTR ", 8) && sum_ok(p, 20))
			return p;
	}
	return 0;
}

/* A system description table at addr with a plausible length and a valid
 * checksum (§5.2.6), or NULL. */
static const uint8_t *table_at(uint32_t addr)
{
	const uint8_t *t = (const uint8_t *)addr;
	uint32_t len;

	if (!addr)
		return 0;
	len = rd32(t + 4);
	if (len < 36 || len > 0x10000 || !sum_ok(t, len))
		return 0;
	return t;
}

/* The table with signature sig listed in the XSDT (revision >= 2 with an
 * address below 4 GiB) or else the RSDT, or NULL. */
static const uint8_t *find_table(const uint8_t *rsdp, const char *sig)
{
	const uint8_t *root = 0;
	unsigned entry = 4;

	if (rsdp[15] >= 2 && rd32(rsdp + 28) == 0 && sum_ok(rsdp, rd32(rsdp + 20) < 36 ? 36 : rd32(rsdp + 20)))
		root = table_at(rd32(rsdp + 24));
	if (root && sig_is(root, "XSDT", 4))
		entry = 8;
	else
		root = table_at(rd32(rsdp + 16));
	if (!root || !sig_is(root, entry == 8 ? "XSDT" : "RSDT", 4))
		return 0;
	for (uint32_t off = 36; off + entry <= rd32(root + 4); off += entry) {
		const uint8_t *t;
		if (entry == 8 && rd32(root + off + 4))
			continue;          /* above 4 GiB: out of reach with paging off */
		t = table_at(rd32(root + off));
		if (t && sig_is(t, sig, 4))
			return t;
	}
	return 0;
}

struct madt_cpus {
	uint32_t enabled;          /* enabled (or online-capable) local APICs */
	uint32_t ids[8];
	bool malformed;
};

/* Walk the MADT's interrupt controller structures (§5.2.12): type 0
 * (processor local APIC, 8 bytes: flags bit 0 enabled, bit 1 online
 * capable) and type 9 (processor local x2APIC, 16 bytes). */
static void madt_walk(const uint8_t *m, struct madt_cpus *out)
{
	uint32_t len = rd32(m + 4);

	for (uint32_t off = 44; off < len;) {
		const uint8_t *e = m + off;
		uint32_t id, flags;
		if (off + 2 > len || e[1] < 2 || off + e[1] > len) {
			out->malformed = true;
			return;
		}
		if (e[0] == 0 && e[1] >= 8) {
			id = e[3];
			flags = rd32(e + 4);
		} else if (e[0] == 9 && e[1] >= 16) {
			id = rd32(e + 4);
			flags = rd32(e + 8);
		} else {
			off += e[1];
			continue;
		}
		if (flags & 3) {
			if (out->enabled < 8)
				out->ids[out->enabled] = id;
			out->enabled++;
		}
		off += e[1];
	}
}

/* ---- the BSP's tests ---- */
static void start_ap(struct pm_clock *c, uint32_t ap_id)
{
	volatile uint8_t *dst = (volatile uint8_t *)(uint32_t)smp_tramp_phys;
	uint32_t size = (uint32_t)(smp_tramp_end - smp_tramp_start);
	uint32_t vector = (uint32_t)smp_tramp_phys >> 12;
	bool same = true;

	/* volatile: copied byte by byte, not turned into a memcpy call. */
	for (uint32_t i = 0; i < size; i++)
		dst[i] = smp_tramp_start[i];
	for (uint32_t i = 0; i < size; i++)
		same &= dst[i] == smp_tramp_start[i];
	guest_check(same && (uint32_t)smp_tramp_phys < 0x100000 && !((uint32_t)smp_tramp_phys & 0xFFF),
		    "trampoline placed below 1 MiB on a page boundary", (uint32_t)smp_tramp_phys);

	/* The universal start-up algorithm (SDM vol. 3 §8.4.4.1): INIT,
	 * 10 ms, SIPI, 200 us, SIPI, 200 us. */
	apic_write(APIC_ESR, 0);
	guest_check(ipi_send(c, ap_id, ICR_INIT | ICR_ASSERT), "INIT IPI sent (delivery status idle)",
		    apic_read(APIC_ICR_LOW));
	delay_us(c, 10000);
	guest_check(ipi_send(c, ap_id, ICR_STARTUP | vector), "first SIPI sent (delivery status idle)",
		    apic_read(APIC_ICR_LOW));
	delay_us(c, 200);
	guest_check(ipi_send(c, ap_id, ICR_STARTUP | vector), "second SIPI sent (delivery status idle)",
		    apic_read(APIC_ICR_LOW));
	delay_us(c, 200);
	apic_write(APIC_ESR, 0);
	guest_check(apic_read(APIC_ESR) == 0, "no APIC error after INIT and SIPIs", apic_read(APIC_ESR));

	guest_check(WAIT_UNTIL(c, AP_START_US, __atomic_load_n(&ap_info.ready, __ATOMIC_ACQUIRE)),
		    "AP started in the trampoline and reached 32-bit C code", smp_ap_starts);
}

/* One IPI to the AP, counted by the AP's handler only. */
static void test_fixed_ipis(struct pm_clock *c, uint32_t ap_id)
{
	guest_check(ipi_send(c, ap_id, ICR_FIXED | VEC_TO_AP), "fixed IPI BSP->AP sent",
		    apic_read(APIC_ICR_LOW));
	guest_check(WAIT_UNTIL(c, IPI_US, irq_count[1][VEC_TO_AP] == 1),
		    "fixed IPI BSP->AP taken by the AP's handler", irq_count[1][VEC_TO_AP]);
	guest_check(irq_count[0][VEC_TO_AP] == 0 && irq_count[2][VEC_TO_AP] == 0,
		    "fixed IPI BSP->AP not taken by the BSP",
		    irq_count[0][VEC_TO_AP] + irq_count[2][VEC_TO_AP]);

	ap_post(CMD_IPI_BURST, 1, VEC_TO_BSP);
	guest_check(ap_done(c, 2 * IPI_US) && mbox.errors == 0 && irq_count[0][VEC_TO_BSP] == 1,
		    "fixed IPI AP->BSP taken by the BSP's handler", irq_count[0][VEC_TO_BSP]);
	guest_check(irq_count[1][VEC_TO_BSP] == 0, "fixed IPI AP->BSP not taken by the AP",
		    irq_count[1][VEC_TO_BSP]);
}

/* 1000 IPIs each way at the same time; each sender waits until its last
 * IPI was counted (two IPIs of one vector pending at once would merge in
 * IRR, SDM vol. 3 §11.8.4). An IPI fails when its target made
 * IPI_LATE_PROGRESS progress without taking it (wait_taken), not after a
 * fixed wall time: under host load one of QEMU's vCPU threads can stand
 * still for over a second (seen: IPI 222 late by 1-2 s while plinth's
 * scheduler had kept both vCPUs running, longest wait 4.8 ms). */
static void test_burst(struct pm_clock *c, uint32_t ap_id)
{
	uint32_t to_ap = irq_count[1][VEC_TO_AP], to_bsp = irq_count[0][VEC_TO_BSP];
	uint32_t errors = mbox.errors, sent = 0, taken, made = 0;

	ap_post(CMD_IPI_BURST, BURST, VEC_TO_BSP);
	for (; sent < BURST; sent++)
		if (!ipi_send(c, ap_id, ICR_FIXED | VEC_TO_AP) ||
		    !wait_taken(c, 1, &irq_count[1][VEC_TO_AP], to_ap + sent + 1, &made))
			break;
	taken = irq_count[1][VEC_TO_AP] - to_ap;
	guest_check(sent == BURST && taken == BURST, "1000 IPIs BSP->AP, each taken by the AP", taken);
	guest_check(ap_done(c, 20000000u) && mbox.errors == errors &&
		    irq_count[0][VEC_TO_BSP] - to_bsp == BURST,
		    "1000 IPIs AP->BSP at the same time, each taken by the BSP",
		    irq_count[0][VEC_TO_BSP] - to_bsp);
	if (sent < BURST) {
		/* Lost or only late? Tell the two apart for whoever debugs. */
		delay_us(c, 2000000u);
		guest_puts("info: BSP->AP IPI number ");
		guest_put_dec(sent + 1);
		guest_puts(" not taken while the AP made ");
		guest_put_dec(made);
		guest_puts(" progress (AP had taken ");
		guest_put_dec(taken);
		guest_puts("); 2 s or more later it has taken ");
		guest_put_dec(irq_count[1][VEC_TO_AP] - to_ap);
		guest_puts(taken == irq_count[1][VEC_TO_AP] - to_ap ? " (lost)\n" : " (late)\n");
	}
	if (mbox.errors != errors) {
		guest_puts("info: AP->BSP IPI number ");
		guest_put_dec(mbox.fail_at + 1);
		guest_puts(" failed (ICR busy, or not taken while the BSP made ");
		guest_put_dec(mbox.fail_progress);
		guest_puts(" progress)\n");
	}
	guest_check(irq_count[0][VEC_TO_AP] == 0 && irq_count[1][VEC_TO_BSP] == 0 &&
		    irq_count[2][VEC_TO_AP] == 0 && irq_count[2][VEC_TO_BSP] == 0,
		    "no burst IPI reached the wrong CPU",
		    irq_count[0][VEC_TO_AP] + irq_count[1][VEC_TO_BSP]);
}

static void test_nmi_and_shorthands(struct pm_clock *c, uint32_t ap_id)
{
	guest_check(ipi_send(c, ap_id, ICR_NMI), "NMI to the AP sent", apic_read(APIC_ICR_LOW));
	guest_check(WAIT_UNTIL(c, IPI_US, nmi_count[1] == 1), "NMI taken by the AP's NMI handler",
		    nmi_count[1]);
	guest_check(nmi_count[0] == 0 && nmi_count[2] == 0, "the BSP took no NMI", nmi_count[0]);

	guest_check(ipi_send(c, 0, ICR_ALL_EXCL | VEC_ALL_EXCL), "all-excluding-self IPI sent",
		    apic_read(APIC_ICR_LOW));
	guest_check(WAIT_UNTIL(c, IPI_US, irq_count[1][VEC_ALL_EXCL] == 1),
		    "all-excluding-self IPI taken by the AP", irq_count[1][VEC_ALL_EXCL]);
	delay_us(c, 10000);
	guest_check(irq_count[0][VEC_ALL_EXCL] == 0, "all-excluding-self IPI not taken by the sender",
		    irq_count[0][VEC_ALL_EXCL]);

	guest_check(ipi_send(c, 0, ICR_ALL_INCL | VEC_ALL_INCL), "all-including-self IPI sent",
		    apic_read(APIC_ICR_LOW));
	guest_check(WAIT_UNTIL(c, IPI_US, irq_count[0][VEC_ALL_INCL] == 1 &&
					     irq_count[1][VEC_ALL_INCL] == 1),
		    "all-including-self IPI taken by both CPUs",
		    irq_count[0][VEC_ALL_INCL] | irq_count[1][VEC_ALL_INCL] << 16);
}

/* The AP halts with IF=1; only an IPI may wake it. */
static void test_hlt_wake(struct pm_clock *c, uint32_t ap_id)
{
	uint32_t seq;

	ap_post(CMD_HALT, 0, 0);
	seq = mbox.seq;
	guest_check(WAIT_UNTIL(c, IPI_US, mbox.halting == 1), "AP about to halt", mbox.ack);
	delay_us(c, 20000);
	guest_check(mbox.ack != seq, "halted AP stays in HLT with nothing sent to it", mbox.ack);
	guest_check(ipi_send(c, ap_id, ICR_FIXED | VEC_WAKE), "wake-up IPI sent",
		    apic_read(APIC_ICR_LOW));
	guest_check(ap_done(c, IPI_US) && irq_count[1][VEC_WAKE] == 1,
		    "fixed IPI wakes the AP from HLT", irq_count[1][VEC_WAKE]);
}

/* ICR writes that must harm nothing: no CPU with that APIC ID, a SIPI to
 * an AP that is running (a SIPI is only accepted in the wait-for-SIPI
 * state, SDM vol. 3 §8.4.2), and writes whose effect the SDM leaves open or
 * that QEMU does not model as hardware does, so only that they do no harm
 * is checked: an illegal vector (§11.5.2 says it is not delivered; QEMU
 * delivers it), reserved delivery modes 011 and 111, reserved bits, a
 * logical destination no APIC has. Afterwards the AP must still work. */
static void test_bad_icr(struct pm_clock *c, uint32_t ap_id)
{
	uint32_t esr, garbage = 0;

	guest_check(ipi_send(c, NONE_ID, ICR_FIXED | VEC_NOWHERE),
		    "IPI to an absent APIC ID: delivery status returns to idle", apic_read(APIC_ICR_LOW));
	guest_check(ipi_send(c, NONE_ID, ICR_NMI), "NMI to an absent APIC ID: delivery status idle",
		    apic_read(APIC_ICR_LOW));
	guest_check(ipi_send(c, NONE_ID, ICR_INIT | ICR_ASSERT),
		    "INIT to an absent APIC ID: delivery status idle", apic_read(APIC_ICR_LOW));
	guest_check(ipi_send(c, NONE_ID, ICR_STARTUP | ((uint32_t)smp_tramp_phys >> 12)),
		    "SIPI to an absent APIC ID: delivery status idle", apic_read(APIC_ICR_LOW));
	guest_check(ipi_send(c, ap_id, ICR_STARTUP | ((uint32_t)smp_tramp_phys >> 12)),
		    "SIPI to the running AP: delivery status idle", apic_read(APIC_ICR_LOW));
	apic_write(APIC_ESR, 0);
	garbage += ipi_send(c, ap_id, ICR_FIXED | VEC_ILLEGAL);
	apic_write(APIC_ESR, 0);
	esr = apic_read(APIC_ESR);
	garbage += ipi_send(c, ap_id, 0x300u | VEC_GARBAGE);              /* mode 011 */
	garbage += ipi_send(c, ap_id, 0x700u | VEC_GARBAGE);              /* mode 111 */
	garbage += ipi_send(c, ap_id, 0xFFF32000u | VEC_GARBAGE);         /* reserved bits */
	garbage += ipi_send(c, 0, (1u << 11) | ICR_FIXED | VEC_GARBAGE);  /* logical, no one */
	guest_check(garbage == 5, "bad ICR writes: delivery status returns to idle", garbage);
	delay_us(c, 20000);
	guest_check(irq_count[0][VEC_NOWHERE] + irq_count[1][VEC_NOWHERE] + irq_count[2][VEC_NOWHERE] == 0,
		    "IPI to an absent APIC ID reached no CPU", irq_count[0][VEC_NOWHERE]);
	guest_check(nmi_count[0] == 0 && nmi_count[1] == 1 && nmi_count[2] == 0,
		    "NMI to an absent APIC ID reached no CPU", nmi_count[0] + nmi_count[1]);
	guest_check(smp_ap_starts == 1, "SIPIs to the running AP and to nobody were ignored "
		    "(one start)", smp_ap_starts);
	guest_puts("info: illegal vector 3: taken ");
	guest_put_dec(irq_count[1][VEC_ILLEGAL]);
	guest_puts(" times, sender's ESR ");
	guest_put_hex(esr);
	guest_puts("; reserved ICR forms: vector 0x46 taken ");
	guest_put_dec(irq_count[0][VEC_GARBAGE] + irq_count[1][VEC_GARBAGE] + irq_count[2][VEC_GARBAGE]);
	guest_puts(" times\n");

	ap_post(CMD_PING, 0, 0);
	guest_check(ap_done(c, IPI_US), "AP still runs its commands after the bad ICR writes",
		    mbox.ack);
	{
		uint32_t before = irq_count[1][VEC_TO_AP];
		guest_check(ipi_send(c, ap_id, ICR_FIXED | VEC_TO_AP) &&
			    WAIT_UNTIL(c, IPI_US, irq_count[1][VEC_TO_AP] == before + 1),
			    "AP still takes IPIs after the bad ICR writes", irq_count[1][VEC_TO_AP] - before);
	}
}

/* Logical destinations in the flat model (SDM vol. 3 §11.6.2.2: an APIC
 * accepts when MDA AND its LDR[31:24] is not 0), as Linux's xAPIC flat
 * driver sends its IPIs; and lowest priority among two, which exactly one
 * CPU accepts (§11.6.2.4). BSP: logical ID bit 0, AP: bit 1. */
static void test_logical(struct pm_clock *c)
{
	apic_write(APIC_DFR, 0xFFFFFFFFu);
	apic_write(APIC_LDR, 1u << 24);
	ap_post(CMD_SET_LDR, 2, 0);
	guest_check(ap_done(c, IPI_US) && apic_read(APIC_LDR) == 1u << 24,
		    "logical IDs set (flat model): BSP 0x01, AP 0x02", apic_read(APIC_LDR));
	guest_check(ipi_send(c, 0x02, ICR_LOGICAL | ICR_FIXED | VEC_LOGICAL) &&
		    WAIT_UNTIL(c, IPI_US, irq_count[1][VEC_LOGICAL] == 1),
		    "logical destination 0x02 reaches the AP", irq_count[1][VEC_LOGICAL]);
	guest_check(ipi_send(c, 0x03, ICR_LOGICAL | ICR_FIXED | VEC_LOG_BOTH) &&
		    WAIT_UNTIL(c, IPI_US, irq_count[0][VEC_LOG_BOTH] == 1 &&
					 irq_count[1][VEC_LOG_BOTH] == 1),
		    "logical destination 0x03 reaches both CPUs",
		    irq_count[0][VEC_LOG_BOTH] | irq_count[1][VEC_LOG_BOTH] << 16);
	guest_check(ipi_send(c, 0x03, ICR_LOGICAL | ICR_LOWEST | VEC_LOWEST) &&
		    WAIT_UNTIL(c, IPI_US, irq_count[0][VEC_LOWEST] + irq_count[1][VEC_LOWEST] >= 1),
		    "lowest priority to 0x03 is delivered",
		    irq_count[0][VEC_LOWEST] | irq_count[1][VEC_LOWEST] << 16);
	delay_us(c, 20000);
	guest_check(irq_count[0][VEC_LOGICAL] == 0 && irq_count[1][VEC_LOGICAL] == 1,
		    "logical destination 0x02 not taken by the BSP (ID 0x01)",
		    irq_count[0][VEC_LOGICAL]);
	guest_check(irq_count[0][VEC_LOWEST] + irq_count[1][VEC_LOWEST] == 1,
		    "lowest priority to 0x03 taken by exactly one CPU",
		    irq_count[0][VEC_LOWEST] | irq_count[1][VEC_LOWEST] << 16);
}

/* Both CPUs add 1 to one counter LOCK_INCS times with LOCK XADD: the sum
 * is exact only if both really ran and the bus lock held (SDM vol. 3
 * §8.1.2). */
static void test_lock_inc(struct pm_clock *c)
{
	uint32_t first = 0, v = 0;
	bool started;

	lock_counter = 0;
	mbox.go = 0;
	mbox.lock_ready = 0;
	ap_post(CMD_LOCK_INC, LOCK_INCS, 0);
	started = WAIT_UNTIL(c, IPI_US, mbox.lock_ready);
	guest_check(started, "AP ready for the LOCK test", mbox.lock_ready);
	__atomic_store_n(&mbox.go, 1, __ATOMIC_RELEASE);
	for (uint32_t i = 0; i < LOCK_INCS; i++) {
		v = 1;
		__asm__ __volatile__("lock xaddl %0, %1" : "+r"(v), "+m"(lock_counter) :: "memory");
		if (i == 0)
			first = v;
	}
	guest_check(ap_done(c, 20000000u), "AP finished its LOCK increments", mbox.ack);
	guest_check(lock_counter == 2 * LOCK_INCS, "LOCK XADD by both CPUs: 200000 in total",
		    lock_counter);
	guest_puts("info: LOCK increments: BSP saw ");
	guest_put_dec(first);
	guest_puts("..");
	guest_put_dec(v);
	guest_puts(", AP saw ");
	guest_put_dec(mbox.lock_first);
	guest_puts("..");
	guest_put_dec(mbox.lock_last);
	guest_puts((first < mbox.lock_last && mbox.lock_first < v) ? " (interleaved)\n"
								   : " (one after the other)\n");
}

/* The two-vCPU tests (the default mode). */
static uint32_t smp_main(void)
{
	struct pm_clock clk = { .cpu = 0 };
	struct madt_cpus cpus = { 0 };
	const uint8_t *rsdp, *madt = 0, *fadt = 0;
	uint32_t r[4], bsp_id, ap_id = 1, n;

	guest_puts("smp guest: two vCPUs, INIT/SIPI, IPIs, NMI, LOCK\n");
	/* No 8259 interrupts: firmware may have left IRQ 0 unmasked at vector
	 * 8, which would land on the exception gates. */
	outb(0x21, 0xFF);
	outb(0xA1, 0xFF);
	guest_idt_init();
	guest_set_irq_handler(2, stub_nmi);
	guest_set_irq_handler(VEC_ILLEGAL, stub_0x03);
	guest_set_irq_handler(VEC_TO_AP, stub_0x40);
	guest_set_irq_handler(VEC_TO_BSP, stub_0x41);
	guest_set_irq_handler(VEC_ALL_EXCL, stub_0x42);
	guest_set_irq_handler(VEC_ALL_INCL, stub_0x43);
	guest_set_irq_handler(VEC_WAKE, stub_0x44);
	guest_set_irq_handler(VEC_NOWHERE, stub_0x45);
	guest_set_irq_handler(VEC_GARBAGE, stub_0x46);
	guest_set_irq_handler(VEC_LOGICAL, stub_0x47);
	guest_set_irq_handler(VEC_LOG_BOTH, stub_0x48);
	guest_set_irq_handler(VEC_LOWEST, stub_0x49);
	guest_set_irq_handler(VEC_SPURIOUS, stub_spurious);
	__asm__ __volatile__("sgdt %0\n\tsidt %1" : "=m"(bsp_gdtr), "=m"(bsp_idtr));

	/* fw_cfg key 0x05: the CPU count, 16 bits little-endian (QEMU's
	 * FW_CFG_NB_CPUS; vmm/fw_cfg.c). */
	__asm__ __volatile__("outw %0, %1" :: "a"((uint16_t)0x0005), "Nd"((uint16_t)0x510));
	n = inb(0x511);
	n |= (uint32_t)inb(0x511) << 8;
	guest_check(n == 2, "fw_cfg CPU count (key 0x05) is 2", n);

	rsdp = find_rsdp();
	guest_check(rsdp != 0, "RSDP in 0xE0000-0xFFFFF with a valid checksum", 0);
	if (rsdp) {
		madt = find_table(rsdp, "APIC");
		fadt = find_table(rsdp, "FACP");
	}
	guest_check(madt != 0, "MADT listed in the RSDT/XSDT, valid checksum", 0);
	if (madt) {
		madt_walk(madt, &cpus);
		guest_check(!cpus.malformed, "MADT entries well-formed", 0);
		guest_check(rd32(madt + 36) == APIC_BASE, "MADT local APIC address 0xFEE00000",
			    rd32(madt + 36));
	}
	guest_check(cpus.enabled == 2, "MADT lists 2 enabled local APICs", cpus.enabled);
	guest_check(cpus.enabled == 2 && ((cpus.ids[0] == 0 && cpus.ids[1] == 1) ||
					  (cpus.ids[0] == 1 && cpus.ids[1] == 0)),
		    "MADT local APIC IDs are 0 and 1", cpus.ids[0] | cpus.ids[1] << 16);
	if (fadt && rd32(fadt + 4) >= 80)
		pm_port = (uint16_t)rd32(fadt + 76);
	guest_check(pm_port != 0, "FADT names a PM timer (for timeouts)", pm_port);
	clock_start(&clk);
	{
		/* The PM timer must run, or every timeout below is counted in
		 * polls of 10 us instead. */
		uint32_t a = pm_port ? inl(pm_port) : 0;
		for (volatile int i = 0; i < 100000 && pm_port && inl(pm_port) == a; i++)
			;
		guest_check(!pm_port || inl(pm_port) != a, "PM timer counts", a);
	}

	bsp_id = apic_read(APIC_ID) >> 24;
	cpuid(1, 0, r);
	guest_check(bsp_id == 0 && r[1] >> 24 == 0, "BSP APIC ID is 0 (register and CPUID)", bsp_id);
	if (cpus.enabled == 2)
		ap_id = cpus.ids[0] == bsp_id ? cpus.ids[1] : cpus.ids[0];
	apic_write(APIC_SVR, APIC_SVR_ENABLE | VEC_SPURIOUS);
	apic_write(APIC_TPR, 0);
	__asm__ __volatile__("sti");

	start_ap(&clk, ap_id);
	if (!ap_info.ready) {
		guest_puts("smp guest: the AP did not start; skipping the tests that need it\n");
		return guest_summary();
	}
	guest_check(ap_info.apic_id == 1 && ap_id == 1, "AP's APIC ID is 1", ap_info.apic_id);
	guest_check(ap_info.cpuid_id == 1, "AP's CPUID.1 initial APIC ID is 1", ap_info.cpuid_id);
	guest_check(ap_info.svr_at_start == 0xFF, "AP's APIC starts software-disabled (SVR 0xFF)",
		    ap_info.svr_at_start);
	guest_check(ap_info.svr == 0x1FF, "AP enabled its APIC (SVR 0x1FF)", ap_info.svr);
	delay_us(&clk, 20000);
	guest_check(smp_ap_starts == 1, "AP started once (the second SIPI was ignored)",
		    smp_ap_starts);

	/* The IPIs that could stray into another VM come first, while a
	 * bystander VM beside this one watches (smp-pinned-vms.cfg). */
	test_fixed_ipis(&clk, ap_id);
	test_nmi_and_shorthands(&clk, ap_id);
	test_hlt_wake(&clk, ap_id);
	test_logical(&clk);
	test_burst(&clk, ap_id);
	test_bad_icr(&clk, ap_id);
	test_lock_inc(&clk);

	apic_write(APIC_ESR, 0);
	guest_check(irq_count[2][VEC_TO_AP] + irq_count[2][VEC_TO_BSP] + nmi_count[2] == 0,
		    "no interrupt reached a CPU with another APIC ID", nmi_count[2]);
	guest_check(smp_ap_starts == 1, "AP started exactly once", smp_ap_starts);
	if (spurious_count) {
		guest_puts("info: spurious interrupts: ");
		guest_put_dec(spurious_count);
		guest_puts("\n");
	}
	__asm__ __volatile__("cli");
	return guest_summary();
}

/* ---- bystander mode (cmdline "bystander"): a one-vCPU VM beside the
 * two-vCPU one. Its vCPU has APIC ID 0, the destination of the other
 * VM's AP->BSP IPIs; every vector but its own timer's counts as a stray,
 * and so does any NMI: interrupts of one VM must never reach another. */
#define VEC_TIMER  0x30
#define WATCH_US   5000000u

static volatile uint32_t timer_ticks, stray_count, stray_vector;

void timer_handler(void);
void timer_handler(void)
{
	timer_ticks++;
	apic_write(APIC_EOI, 0);
}
GUEST_IRQ_STUB(stub_timer, timer_handler);

/* Any other vector: the highest one in service is the one taken. */
void stray_handler(void);
void stray_handler(void)
{
	for (int reg = 7; reg >= 0; reg--) {
		uint32_t isr = apic_read(APIC_ISR + 0x10u * (uint32_t)reg);
		if (isr) {
			stray_vector = 32u * (uint32_t)reg + 31u - (uint32_t)__builtin_clz(isr);
			break;
		}
	}
	stray_count++;
	apic_write(APIC_EOI, 0);
}
GUEST_IRQ_STUB(stub_stray, stray_handler);

static uint32_t bystander_main(void)
{
	struct pm_clock clk = { .cpu = 0 };
	const uint8_t *rsdp, *fadt = 0;
	uint32_t per_10ms, halts = 0;
	uint64_t end;

	guest_puts("smp guest (bystander): watching for interrupts from other VMs\n");
	outb(0x21, 0xFF);
	outb(0xA1, 0xFF);
	guest_idt_init();
	for (uint32_t v = 0x20; v < 0xFF; v++)
		guest_set_irq_handler((uint8_t)v, stub_stray);
	guest_set_irq_handler(VEC_TIMER, stub_timer);
	guest_set_irq_handler(2, stub_nmi);
	guest_set_irq_handler(VEC_SPURIOUS, stub_spurious);
	rsdp = find_rsdp();
	if (rsdp)
		fadt = find_table(rsdp, "FACP");
	if (fadt && rd32(fadt + 4) >= 80)
		pm_port = (uint16_t)rd32(fadt + 76);
	guest_check(pm_port != 0, "FADT names a PM timer", pm_port);
	clock_start(&clk);
	apic_write(APIC_SVR, APIC_SVR_ENABLE | VEC_SPURIOUS);
	apic_write(APIC_TPR, 0);

	/* A periodic APIC timer of about 10 ms wakes HLT while watching. */
	apic_write(APIC_TIMER_DCR, APIC_DCR_DIV1);
	apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | VEC_TIMER);
	apic_write(APIC_TIMER_ICR, 0xFFFFFFFFu);
	delay_us(&clk, 10000);
	per_10ms = 0xFFFFFFFFu - apic_read(APIC_TIMER_CCR);
	guest_check(per_10ms > 0, "APIC timer counts", per_10ms);
	if (!per_10ms)
		return guest_summary();
	apic_write(APIC_LVT_TIMER, APIC_LVT_PERIODIC | VEC_TIMER);
	apic_write(APIC_TIMER_ICR, per_10ms);
	end = clock_now(&clk) + us_ticks(WATCH_US);
	/* Bounded by HLTs too: a timer four times slower than measured. */
	while (clock_now(&clk) < end && halts++ < 4 * (WATCH_US / 10000u))
		__asm__ __volatile__("sti; hlt; cli" ::: "memory");
	apic_write(APIC_TIMER_ICR, 0);
	apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED);
	guest_check(timer_ticks >= WATCH_US / 10000u / 2, "watched 5 s (APIC timer ticks)",
		    timer_ticks);
	guest_check(stray_count == 0, "no interrupt from another VM arrived", stray_vector);
	guest_check(nmi_count[0] + nmi_count[1] + nmi_count[2] == 0, "no NMI from another VM arrived",
		    nmi_count[0] + nmi_count[1] + nmi_count[2]);
	return guest_summary();
}

/* Multiboot 1 information (Multiboot 0.6.96 §3.3): flags bit 2 says
 * cmdline holds the address of the command line. */
struct mb1_info { uint32_t flags, mem_lower, mem_upper, boot_device, cmdline; };

/* Is word one of the space-separated words of the command line? (QEMU
 * puts the kernel's path first, plinth only vms.cfg's cmdline.) */
static bool cmdline_has(uint32_t magic, uint32_t info, const char *word)
{
	const struct mb1_info *mbi = (const struct mb1_info *)info;
	const char *c;

	if (magic != 0x2BADB002 || !info || !(mbi->flags & 4) || !mbi->cmdline)
		return false;
	for (c = (const char *)mbi->cmdline; *c; c++) {
		const char *w = word, *t = c;
		if (c != (const char *)mbi->cmdline && c[-1] != ' ')
			continue;
		while (*w && *t == *w)
			w++, t++;
		if (!*w && (*t == 0 || *t == ' '))
			return true;
	}
	return false;
}

uint32_t guest_main(uint32_t magic, uint32_t info)
{
	if (cmdline_has(magic, info, "bystander"))
		return bystander_main();
	return smp_main();
}
