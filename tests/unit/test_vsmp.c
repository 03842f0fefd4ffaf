/* test_vsmp.c - the pure parts of multi-vCPU guests: ICR decoding,
 * destination matching and IPI delivery between the local APICs of one VM
 * (vmm/vlapic.c), CPUID topology per vCPU (vmm/cpuid_policy.c) and the
 * MADT with one local APIC per vCPU (vmm/vacpi.c). Hostile input:
 * reserved delivery modes, destinations no APIC has, SIPI to a running
 * vCPU, INIT to self, the self shorthand with INIT/NMI. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../vmm/cpuid_policy.h"
#include "../../vmm/vacpi.h"
#include "../../vmm/vlapic.h"
#include "host_support.h"

#define NR 4

static struct vlapic apics[NR];

/* NR APICs of one VM, IDs 0..NR-1, 0 the BSP, all software-enabled. */
static void setup_vm(void)
{
	for (unsigned i = 0; i < NR; i++) {
		vlapic_init(&apics[i], (uint8_t)i, i == 0);
		vlapic_set_peers(&apics[i], apics, NR, i);
		assert_int_equal(vlapic_mmio_write(&apics[i], APIC_SVR, 4, APIC_SVR_ENABLE | 0xFF, 0),
				 0);
	}
	host_log_reset();
}

static uint32_t rd(struct vlapic *l, uint32_t off)
{
	uint32_t v = 0xDEADBEEF;
	assert_int_equal(vlapic_mmio_read(l, off, 4, 0, &v), 0);
	return v;
}

static void wr(struct vlapic *l, uint32_t off, uint32_t v)
{
	assert_int_equal(vlapic_mmio_write(l, off, 4, v, 0), 0);
}

/* Send an IPI from apics[from] through its xAPIC ICR. */
static void send(unsigned from, uint8_t dest, uint32_t icr_low)
{
	wr(&apics[from], APIC_ICR_HIGH, (uint32_t)dest << 24);
	wr(&apics[from], APIC_ICR_LOW, icr_low);
}

static bool irr_has(const struct vlapic *l, uint8_t v)
{
	return (l->irr[v / 32] >> (v % 32)) & 1;
}

/* Clear every IRR (a fresh start between cases). */
static void clear_irrs(void)
{
	for (unsigned i = 0; i < NR; i++)
		memset(apics[i].irr, 0, sizeof(apics[i].irr));
}

/* ---- ICR decoding ---- */

static void test_icr_decode(void **state)
{
	struct vlapic_ipi ipi;

	/* xAPIC: destination in 63:56; vector, mode, logical, level,
	 * trigger, shorthand from the low word (SDM vol. 3 §11.6.1). */
	assert_int_equal(vlapic_icr_decode(((uint64_t)0x03000000 << 32) | 0x000C8931, false, &ipi),
			 0);
	assert_int_equal(ipi.vector, 0x31);
	assert_int_equal(ipi.mode, IPI_LOWEST);
	assert_true(ipi.logical);
	assert_false(ipi.assert);
	assert_true(ipi.level_trigger);
	assert_int_equal(ipi.shorthand, IPI_OTHERS);
	assert_int_equal(ipi.dest, 3);
	assert_false(ipi.x2apic);
	/* x2APIC: the whole high word. */
	assert_int_equal(vlapic_icr_decode(((uint64_t)0x12345 << 32) | 0x4600 | 0x08, true, &ipi),
			 0);
	assert_int_equal(ipi.dest, 0x12345);
	assert_int_equal(ipi.mode, IPI_SIPI);
	assert_true(ipi.assert);
	assert_int_equal(ipi.vector, 0x08);
	/* Every defined mode decodes; 011b and 111b are reserved. */
	for (uint32_t mode = 0; mode < 8; mode++) {
		int err = vlapic_icr_decode(mode << 8, false, &ipi);
		assert_int_equal(err, mode == 3 || mode == 7 ? -EINVAL : 0);
		assert_int_equal(ipi.mode, mode);
	}
}

/* ---- destination matching ---- */

static void test_dest_matching(void **state)
{
	struct vlapic l;

	vlapic_init(&l, 5, false);
	/* Physical: own ID and the broadcast only. */
	assert_true(vlapic_dest_matches(&l, false, 5, false));
	assert_false(vlapic_dest_matches(&l, false, 4, false));
	assert_true(vlapic_dest_matches(&l, false, 0xFF, false));
	assert_false(vlapic_dest_matches(&l, false, 0xFE, false));
	/* x2APIC-width destinations: 0xFF is an ordinary ID there. */
	assert_false(vlapic_dest_matches(&l, false, 0xFF, true));
	assert_true(vlapic_dest_matches(&l, false, 0xFFFFFFFFu, true));
	assert_false(vlapic_dest_matches(&l, false, 0x105, true));
	/* Logical flat (DFR 1111b): any common LDR bit. */
	l.ldr = 0x20000000u;
	assert_true(vlapic_dest_matches(&l, true, 0x20, false));
	assert_true(vlapic_dest_matches(&l, true, 0x31, false));
	assert_false(vlapic_dest_matches(&l, true, 0x10, false));
	assert_true(vlapic_dest_matches(&l, true, 0xFF, false));   /* broadcast */
	/* An LDR of 0 (never written) is selected by no flat mask. */
	l.ldr = 0;
	assert_false(vlapic_dest_matches(&l, true, 0x7F, false));
	/* Logical cluster (DFR 0000b): cluster 7:4 equal, a member bit. */
	l.dfr = 0x0FFFFFFFu;
	l.ldr = 0x32000000u;           /* cluster 3, member bit 1 */
	assert_true(vlapic_dest_matches(&l, true, 0x32, false));
	assert_true(vlapic_dest_matches(&l, true, 0x3F, false));
	assert_false(vlapic_dest_matches(&l, true, 0x22, false));   /* other cluster */
	assert_false(vlapic_dest_matches(&l, true, 0x31, false));   /* other member */
	assert_true(vlapic_dest_matches(&l, true, 0xFF, false));
	/* x2APIC logical: derived LDR, cluster ID[19:4] in 31:16 (§11.12.10.2). */
	vlapic_init(&l, 0x13, false);
	vlapic_set_mode(&l, VLAPIC_X2APIC);
	assert_true(vlapic_dest_matches(&l, true, (1u << 16) | (1u << 3), true));
	assert_false(vlapic_dest_matches(&l, true, (1u << 16) | (1u << 2), true));
	assert_false(vlapic_dest_matches(&l, true, (2u << 16) | (1u << 3), true));
}

/* ---- delivery ---- */

static void test_fixed_physical_and_broadcast(void **state)
{
	setup_vm();
	/* Fixed, physical, to APIC 2: only 2 gets it; the kick mask says so. */
	send(0, 2, 0x41);
	assert_true(irr_has(&apics[2], 0x41));
	for (unsigned i = 0; i < NR; i++)
		if (i != 2)
			assert_false(irr_has(&apics[i], 0x41));
	assert_int_equal(vlapic_take_kick(&apics[0]), 1u << 2);
	assert_int_equal(vlapic_take_kick(&apics[0]), 0);
	assert_int_equal(rd(&apics[0], APIC_ICR_LOW) & APIC_LVT_PENDING, 0);   /* idle */
	/* Broadcast 0xFF: everyone, the sender too. */
	clear_irrs();
	send(1, 0xFF, 0x42);
	for (unsigned i = 0; i < NR; i++)
		assert_true(irr_has(&apics[i], 0x42));
	assert_int_equal(vlapic_take_kick(&apics[1]), 0xF);
	assert_int_equal(host_log_count(LOG_WARN), 0);
}

static void test_shorthands(void **state)
{
	setup_vm();
	/* Self. */
	send(3, 0, (1u << 18) | 0x50);
	assert_true(irr_has(&apics[3], 0x50));
	assert_false(irr_has(&apics[0], 0x50));
	/* All including self. */
	clear_irrs();
	send(1, 0, (2u << 18) | 0x51);
	for (unsigned i = 0; i < NR; i++)
		assert_true(irr_has(&apics[i], 0x51));
	(void)vlapic_take_kick(&apics[1]);
	/* All excluding self. */
	clear_irrs();
	send(1, 0, (3u << 18) | 0x52);
	for (unsigned i = 0; i < NR; i++)
		assert_int_equal(irr_has(&apics[i], 0x52), i != 1);
	assert_int_equal(vlapic_take_kick(&apics[1]), 0xD);
	/* The destination field is ignored with a shorthand. */
	clear_irrs();
	send(2, 0, (3u << 18) | 0x53);
	assert_false(irr_has(&apics[2], 0x53));
	/* Self with NMI or INIT: not allowed, dropped with a message. */
	host_log_reset();
	send(2, 2, (1u << 18) | APIC_DM_NMI);
	assert_false(apics[2].nmi_pending);
	send(2, 2, (1u << 18) | (5u << 8));
	assert_false(apics[2].init_pending);
	assert_int_equal(host_log_count(LOG_WARN), 2);
	assert_true(host_log_contains("self shorthand"));
}

static void test_logical_and_lowest(void **state)
{
	setup_vm();
	/* Flat model: APIC i answers to bit i. */
	for (unsigned i = 0; i < NR; i++)
		wr(&apics[i], APIC_LDR, (1u << i) << 24);
	send(0, 0x0A, BIT(11) | 0x60);          /* bits 1 and 3 */
	assert_false(irr_has(&apics[0], 0x60));
	assert_true(irr_has(&apics[1], 0x60));
	assert_false(irr_has(&apics[2], 0x60));
	assert_true(irr_has(&apics[3], 0x60));
	assert_int_equal(vlapic_take_kick(&apics[0]), 0xA);
	/* Lowest priority to the same set: only the lowest-numbered one. */
	clear_irrs();
	send(0, 0x0C, BIT(11) | (1u << 8) | 0x61);   /* bits 2 and 3 */
	assert_true(irr_has(&apics[2], 0x61));
	assert_false(irr_has(&apics[3], 0x61));
	assert_int_equal(vlapic_take_kick(&apics[0]) & 0xF, 1u << 2);
	/* Cluster model: cluster 1 members 0/1, cluster 2 member 0. */
	clear_irrs();
	for (unsigned i = 0; i < NR; i++)
		wr(&apics[i], APIC_DFR, 0x0FFFFFFFu);
	wr(&apics[1], APIC_LDR, 0x11000000u);
	wr(&apics[2], APIC_LDR, 0x12000000u);
	wr(&apics[3], APIC_LDR, 0x21000000u);
	wr(&apics[0], APIC_LDR, 0x00000000u);
	send(0, 0x13, BIT(11) | 0x62);          /* cluster 1, members 0 and 1 */
	assert_true(irr_has(&apics[1], 0x62));
	assert_true(irr_has(&apics[2], 0x62));
	assert_false(irr_has(&apics[3], 0x62));
	assert_false(irr_has(&apics[0], 0x62));
}

static void test_nmi_and_hostile(void **state)
{
	setup_vm();
	send(0, 3, APIC_DM_NMI | 0x99);          /* the vector is ignored */
	assert_true(apics[3].nmi_pending);
	assert_true(vlapic_take_nmi(&apics[3]));
	assert_int_equal(vlapic_take_kick(&apics[0]), 1u << 3);
	assert_int_equal(vlapic_pending(&apics[3]), -1);
	/* A destination no APIC has: nobody takes it, logged, ESR clean. */
	host_log_reset();
	send(0, 9, 0x70);
	for (unsigned i = 0; i < NR; i++)
		assert_false(irr_has(&apics[i], 0x70));
	assert_int_equal(vlapic_take_kick(&apics[0]), 0);
	assert_true(host_log_contains("no local APIC"));
	/* Reserved delivery modes 011b and 111b: dropped, logged. */
	host_log_reset();
	send(0, 1, (3u << 8) | 0x71);
	send(0, 1, (7u << 8) | 0x71);
	assert_false(irr_has(&apics[1], 0x71));
	assert_int_equal(host_log_count(LOG_WARN), 2);
	assert_true(host_log_contains("reserved delivery mode"));
	/* SMI: not emulated. */
	send(0, 1, 2u << 8);
	assert_true(host_log_contains("SMI"));
	/* An illegal vector: send error at the sender, receive error at the
	 * target (§11.5.3). */
	send(0, 1, 0x05);
	wr(&apics[0], APIC_ESR, 0);
	wr(&apics[1], APIC_ESR, 0);
	assert_int_equal(rd(&apics[0], APIC_ESR) & APIC_ESR_SEND_ILLEGAL_VECTOR,
			 APIC_ESR_SEND_ILLEGAL_VECTOR);
	assert_int_equal(rd(&apics[1], APIC_ESR) & APIC_ESR_RECV_ILLEGAL_VECTOR,
			 APIC_ESR_RECV_ILLEGAL_VECTOR);
	/* A message from no APIC (an I/O APIC) with a shorthand selects no one;
	 * an out-of-range sender is refused. */
	{
		const struct vlapic_ipi all = { .vector = 0x72, .shorthand = IPI_ALL };
		uint64_t touched = 0;
		assert_int_equal(vlapic_deliver(apics, NR, -1, &all, &touched), 0);
		assert_int_equal(vlapic_deliver(apics, NR, NR, &all, &touched), 0);
		assert_int_equal(touched, 0);
	}
}

static void test_init_sipi(void **state)
{
	setup_vm();
	/* A running AP with state: SIPI is ignored (SDM vol. 3 §10.4.4.1). */
	send(0, 2, 0x44);
	assert_true(irr_has(&apics[2], 0x44));
	(void)vlapic_take_kick(&apics[0]);
	send(0, 2, (6u << 8) | 0x10);
	assert_false(apics[2].sipi_pending);
	assert_int_equal(vlapic_take_kick(&apics[0]), 0);
	/* INIT level de-assert (level 0, trigger level): nothing happens. */
	send(0, 2, (5u << 8) | BIT(15));
	assert_false(apics[2].init_pending);
	assert_false(apics[2].wait_sipi);
	/* INIT (assert): the APIC is reset (IRR gone, software-disabled),
	 * the AP waits for a SIPI; ID, mode and peers stay. */
	send(0, 2, (5u << 8) | BIT(14));
	assert_true(apics[2].init_pending);
	assert_true(apics[2].wait_sipi);
	assert_false(irr_has(&apics[2], 0x44));
	assert_int_equal(apics[2].svr, 0xFF);
	assert_int_equal(apics[2].id, 2);
	assert_ptr_equal(apics[2].peers, apics);
	assert_int_equal(vlapic_take_kick(&apics[0]), 1u << 2);
	/* A fixed interrupt to it now is not accepted (APIC disabled). */
	send(0, 2, 0x45);
	assert_false(irr_has(&apics[2], 0x45));
	/* The first SIPI starts it at vector 0x9A; the second is ignored. */
	send(0, 2, (6u << 8) | 0x9A);
	assert_true(apics[2].sipi_pending);
	assert_false(apics[2].wait_sipi);
	assert_int_equal(apics[2].sipi_vector, 0x9A);
	send(0, 2, (6u << 8) | 0x9B);
	assert_int_equal(apics[2].sipi_vector, 0x9A);
	/* INIT-SIPI to all excluding self (what OSes broadcast). */
	send(0, 0, (3u << 18) | (5u << 8) | BIT(14));
	send(0, 0, (3u << 18) | (6u << 8) | 0x20);
	for (unsigned i = 1; i < NR; i++) {
		assert_true(apics[i].sipi_pending);
		assert_int_equal(apics[i].sipi_vector, 0x20);
	}
	assert_false(apics[0].init_pending);
	/* INIT to self by destination: the AP resets itself and waits. */
	setup_vm();
	send(3, 3, (5u << 8) | BIT(14));
	assert_true(apics[3].init_pending);
	assert_true(apics[3].wait_sipi);
	/* INIT to the BSP: reset, but the BSP does not wait for a SIPI. */
	send(1, 0, (5u << 8) | BIT(14));
	assert_true(apics[0].init_pending);
	assert_false(apics[0].wait_sipi);
	assert_int_equal(apics[0].lvt[LVT_LINT0], APIC_DM_EXTINT);   /* virtual wire again */
	send(1, 0, (6u << 8) | 0x30);
	assert_false(apics[0].sipi_pending);
}

static void test_x2apic_icr(void **state)
{
	setup_vm();
	for (unsigned i = 0; i < NR; i++)
		vlapic_set_mode(&apics[i], VLAPIC_X2APIC);
	/* 64-bit ICR MSR, physical destination 3 in 63:32. */
	assert_int_equal(vlapic_x2apic_write(&apics[1], X2APIC_MSR_ICR, (3ull << 32) | 0x80, 0), 0);
	assert_true(irr_has(&apics[3], 0x80));
	assert_int_equal(vlapic_take_kick(&apics[1]), 1u << 3);
	/* 0xFF is an ordinary (absent) x2APIC ID, not a broadcast. */
	assert_int_equal(vlapic_x2apic_write(&apics[1], X2APIC_MSR_ICR, (0xFFull << 32) | 0x81, 0),
			 0);
	for (unsigned i = 0; i < NR; i++)
		assert_false(irr_has(&apics[i], 0x81));
	/* 0xFFFFFFFF is. */
	assert_int_equal(vlapic_x2apic_write(&apics[1], X2APIC_MSR_ICR,
					     (0xFFFFFFFFull << 32) | 0x82, 0), 0);
	for (unsigned i = 0; i < NR; i++)
		assert_true(irr_has(&apics[i], 0x82));
	/* Logical: cluster 0, members 0 and 2. */
	clear_irrs();
	assert_int_equal(vlapic_x2apic_write(&apics[0], X2APIC_MSR_ICR,
					     (5ull << 32) | BIT(11) | 0x83, 0), 0);
	assert_true(irr_has(&apics[0], 0x83));
	assert_false(irr_has(&apics[1], 0x83));
	assert_true(irr_has(&apics[2], 0x83));
	/* INIT keeps x2APIC mode (§11.12.5.1). */
	assert_int_equal(vlapic_x2apic_write(&apics[0], X2APIC_MSR_ICR,
					     (1ull << 32) | BIT(14) | (5u << 8), 0), 0);
	assert_true(apics[1].wait_sipi);
	assert_int_equal(apics[1].mode, VLAPIC_X2APIC);
}

/* ---- CPUID topology ---- */

static void test_cpuid_topology(void **state)
{
	const struct cpuid_guest_ctx c2 = { .apic_id = 2, .nr_vcpus = 3 };
	const struct cpuid_guest_ctx one = { .apic_id = 0, .nr_vcpus = 1 };
	struct cpuid_regs r;

	assert_int_equal(cpuid_core_id_bits(1), 0);
	assert_int_equal(cpuid_core_id_bits(2), 1);
	assert_int_equal(cpuid_core_id_bits(3), 2);
	assert_int_equal(cpuid_core_id_bits(64), 6);
	/* Leaf 1: own APIC ID, 4 IDs reserved (next power of two), HTT. */
	r = (struct cpuid_regs){ 0x906E9, 0x09100800, 0, 0 };
	cpuid_guest_view(1, 0, &c2, &r);
	assert_int_equal(r.ebx >> 24, 2);
	assert_int_equal((r.ebx >> 16) & 0xFF, 4);
	assert_int_equal(r.ebx & 0xFFFF, 0x0800);
	assert_true(r.edx & (1u << 28));
	r = (struct cpuid_regs){ 0x906E9, 0x09100800, 0, 1u << 28 };
	cpuid_guest_view(1, 0, &one, &r);
	assert_int_equal((r.ebx >> 16) & 0xFF, 1);
	assert_false(r.edx & (1u << 28));
	/* Leaf 0xB: SMT level (1 thread), core level (3 cores, shift 2),
	 * then invalid; EDX the vCPU's x2APIC ID on every subleaf. */
	for (uint32_t leaf = 0xB; leaf <= 0x1F; leaf += 0x14) {
		r = (struct cpuid_regs){ 7, 7, 7, 7 };
		cpuid_guest_view(leaf, 0, &c2, &r);
		assert_int_equal(r.eax, 0);
		assert_int_equal(r.ebx, 1);
		assert_int_equal(r.ecx, 0x100);
		assert_int_equal(r.edx, 2);
		cpuid_guest_view(leaf, 1, &c2, &r);
		assert_int_equal(r.eax, 2);
		assert_int_equal(r.ebx, 3);
		assert_int_equal(r.ecx, 0x201);
		assert_int_equal(r.edx, 2);
		cpuid_guest_view(leaf, 2, &c2, &r);
		assert_int_equal(r.eax, 0);
		assert_int_equal(r.ebx, 0);
		assert_int_equal(r.ecx, 2);
		assert_int_equal(r.edx, 2);
	}
	/* Leaf 4: 3 cores per package; L1 private, L3 shared by all. */
	r = (struct cpuid_regs){ (1u << 5) | 1 | (0xFFFu << 14) | (0x3Fu << 26), 1, 2, 3 };
	cpuid_guest_view(4, 0, &c2, &r);
	assert_int_equal(r.eax >> 26, 2);
	assert_int_equal((r.eax >> 14) & 0xFFF, 0);
	assert_int_equal(r.eax & 0x3FFF, (1u << 5) | 1);
	r = (struct cpuid_regs){ (3u << 5) | 3, 0, 0, 0 };
	cpuid_guest_view(4, 3, &c2, &r);
	assert_int_equal((r.eax >> 14) & 0xFFF, 2);
	r = (struct cpuid_regs){ 0, 0, 0, 0 };    /* type 0: the end, untouched */
	cpuid_guest_view(4, 4, &c2, &r);
	assert_int_equal(r.eax, 0);
	/* AMD: CmpLegacy, NC and ApicIdCoreIdSize, the 0x8000001E IDs. */
	r = (struct cpuid_regs){ 0, 0, 0x6, 0 };
	cpuid_guest_view(0x80000001, 0, &one, &r);
	assert_false(r.ecx & 2);
	assert_false(r.ecx & 4);                  /* SVM hidden: no nested virtualization */
	r = (struct cpuid_regs){ 1, 2, 3, 4 };
	cpuid_guest_view(0x8000000A, 0, &one, &r);
	assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
	cpuid_guest_view(0x80000001, 0, &c2, &r);
	assert_true(r.ecx & 2);
	r = (struct cpuid_regs){ 0x3030, 0, 0xFFFF, 0 };
	cpuid_guest_view(0x80000008, 0, &c2, &r);
	assert_int_equal(r.eax, 0x3030);          /* address sizes passed through */
	assert_int_equal(r.ecx, 2 | (2u << 12));
	r = (struct cpuid_regs){ 9, 9, 9, 9 };
	cpuid_guest_view(0x8000001E, 0, &c2, &r);
	assert_int_equal(r.eax, 2);
	assert_int_equal(r.ebx, 2);
	assert_int_equal(r.ecx, 0);
	/* nr_vcpus 0 (an old caller) counts as one vCPU. */
	{
		const struct cpuid_guest_ctx zero = { .apic_id = 0 };
		r = (struct cpuid_regs){ 0, 0, 0, 0 };
		cpuid_guest_view(0xB, 1, &zero, &r);
		assert_int_equal(r.ebx, 1);
		assert_int_equal(r.eax, 0);
	}
}

/* ---- MADT ---- */

static uint8_t mem[VACPI_MAX_SIZE];

static uint32_t get32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }

/* The MADT in mem (found through the RSDT), or NULL. */
static const uint8_t *find_madt(void)
{
	const uint8_t *rsdt = mem + (get32(mem + 16) - VACPI_BASE_GPA);
	uint32_t len = get32(rsdt + 4);

	for (uint32_t at = 36; at + 4 <= len; at += 4) {
		const uint8_t *t = mem + (get32(rsdt + at) - VACPI_BASE_GPA);
		if (!memcmp(t, "APIC", 4))
			return t;
	}
	return NULL;
}

static void test_madt_per_vcpu(void **state)
{
	struct vacpi_config c = {
		.nr_cpus = 3, .lapic_addr = 0xFEE00000, .ioapic_addr = 0xFEC00000,
		.pm_base = 0x600, .sci_irq = 9,
	};
	const uint8_t *m;
	uint32_t len, lapics = 0;
	uint8_t sum = 0;

	assert_true(vacpi_build(mem, sizeof(mem), VACPI_BASE_GPA, &c) > 0);
	m = find_madt();
	assert_non_null(m);
	len = get32(m + 4);
	for (uint32_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + m[i]);
	assert_int_equal(sum, 0);
	/* Processor Local APIC entries (type 0, ACPI 6.5 §5.2.12.2): UID =
	 * APIC ID = vCPU number, enabled. */
	for (uint32_t at = 44; at + 2 <= len && m[at + 1]; at += m[at + 1]) {
		if (m[at] != 0)
			continue;
		assert_int_equal(m[at + 1], 8);
		assert_int_equal(m[at + 2], lapics);
		assert_int_equal(m[at + 3], lapics);
		assert_int_equal(get32(m + at + 4) & 1, 1);
		lapics++;
	}
	assert_int_equal(lapics, 3);
	/* Out of range: no CPUs, more than the tables hold. */
	host_log_reset();
	c.nr_cpus = 0;
	assert_int_equal(vacpi_build(mem, sizeof(mem), VACPI_BASE_GPA, &c), -EINVAL);
	c.nr_cpus = VACPI_MAX_CPUS + 1;
	assert_int_equal(vacpi_build(mem, sizeof(mem), VACPI_BASE_GPA, &c), -EINVAL);
	assert_int_equal(host_log_count(LOG_ERR), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_icr_decode),
		cmocka_unit_test(test_dest_matching),
		cmocka_unit_test(test_fixed_physical_and_broadcast),
		cmocka_unit_test(test_shorthands),
		cmocka_unit_test(test_logical_and_lowest),
		cmocka_unit_test(test_nmi_and_hostile),
		cmocka_unit_test(test_init_sipi),
		cmocka_unit_test(test_x2apic_icr),
		cmocka_unit_test(test_cpuid_topology),
		cmocka_unit_test(test_madt_per_vcpu),
	};
	host_log_quiet(true);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
