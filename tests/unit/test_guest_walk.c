/* test_guest_walk.c - the guest page-table walk (vmm/guest_walk.c) over a
 * fake guest-physical memory: paging off, 32-bit paging with 4 KiB and
 * 4 MiB pages, PAE, 4-level IA-32e with 4 KiB, 2 MiB and 1 GiB pages;
 * 5-level paging (CR4.LA57) and its absence outside IA-32e mode;
 * not-present entries, reserved PAE PDPTE bits and PS in PML4/PML5
 * entries, reads outside memory and a failing read callback. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <plinth/guest_walk.h>
#include <x86/cpu.h>
#include "host_support.h"

#define MEM_SIZE (64 * 1024)
static uint8_t mem[MEM_SIZE];
static unsigned reads;

static int fake_read(void *ctx, uint64_t gpa, void *buf, unsigned len)
{
	(void)ctx;
	reads++;
	if (gpa >= MEM_SIZE || len > MEM_SIZE - gpa)
		return -EFAULT;
	memcpy(buf, mem + gpa, len);
	return 0;
}

static int failing_read(void *ctx, uint64_t gpa, void *buf, unsigned len)
{
	(void)ctx; (void)gpa; (void)buf; (void)len;
	return -EIO;
}

static void put64(uint64_t gpa, uint64_t v) { memcpy(mem + gpa, &v, 8); }
static void put32(uint64_t gpa, uint32_t v) { memcpy(mem + gpa, &v, 4); }

static int walk(const struct guest_paging *p, uint64_t linear, uint64_t *gpa)
{
	return guest_walk(p, linear, fake_read, NULL, gpa);
}

static int reset(void **state)
{
	(void)state;
	memset(mem, 0, sizeof(mem));
	reads = 0;
	return 0;
}

static void test_paging_off(void **state)
{
	struct guest_paging p = { .cr0 = CR0_PE };
	uint64_t gpa = 0;

	assert_int_equal(walk(&p, 0x12345678, &gpa), 0);
	assert_int_equal(gpa, 0x12345678);
	assert_int_equal(walk(&p, 0x100000000ULL + 5, &gpa), 0);
	assert_int_equal(gpa, 5);                  /* 32-bit linear addresses wrap */
	assert_int_equal(reads, 0);
}

static void test_32bit(void **state)
{
	struct guest_paging p = { .cr0 = CR0_PE | CR0_PG, .cr3 = 0x1000 };
	uint64_t gpa = 0;

	/* PDE 0 -> PT at 0x2000; PTE 5 -> page 0x7000. */
	put32(0x1000, 0x2000 | 1);
	put32(0x2000 + 5 * 4, 0x7000 | 3);
	assert_int_equal(walk(&p, 0x5123, &gpa), 0);
	assert_int_equal(gpa, 0x7123);
	/* PDE 1 with PS: a 4 MiB page only with CR4.PSE; PSE-36 bits. */
	put32(0x1004, 0x00C00000 | (0x3 << 13) | 0x81);
	assert_int_equal(walk(&p, 0x400010, &gpa), -EFAULT);   /* PS ignored: PT at 0xC00000 */
	p.cr4 = CR4_PSE;
	assert_int_equal(walk(&p, 0x400010, &gpa), 0);
	assert_int_equal(gpa, 0x300C00010ULL);
	/* Not present at either level. */
	assert_int_equal(walk(&p, 0x6000, &gpa), -EFAULT);
	assert_int_equal(walk(&p, 0x800000, &gpa), -EFAULT);
}

static void test_pae(void **state)
{
	struct guest_paging p = { .cr0 = CR0_PE | CR0_PG, .cr3 = 0x1020, .cr4 = CR4_PAE };
	uint64_t gpa = 0;

	/* The PDPT at CR3[31:5]; PDPTE 3 -> PD at 0x2000; PDE 1 a 2 MiB page
	 * at 4 GiB; PDE 2 -> PT at 0x3000, PTE 0x1FF -> 0x9000. */
	put64(0x1020 + 3 * 8, 0x2000 | 1);
	put64(0x2000 + 8, 0x100000000ULL | 0x83);
	put64(0x2000 + 16, 0x3000 | 3);
	put64(0x3000 + 0x1FF * 8, 0x9000 | 3);
	assert_int_equal(walk(&p, 0xC0200000 + 0x1234, &gpa), 0);
	assert_int_equal(gpa, 0x100001234ULL);
	assert_int_equal(walk(&p, 0xC05FF321, &gpa), 0);
	assert_int_equal(gpa, 0x9321);
	/* Reserved bits in a PDPTE (PS, bit 1) or XD fault. */
	put64(0x1020 + 3 * 8, 0x2000 | 1 | 0x80);
	assert_int_equal(walk(&p, 0xC0200000, &gpa), -EFAULT);
	put64(0x1020 + 3 * 8, 0x2000 | 1 | (1ULL << 63));
	assert_int_equal(walk(&p, 0xC0200000, &gpa), -EFAULT);
	assert_int_equal(walk(&p, 0x00000000, &gpa), -EFAULT);   /* PDPTE 0 not present */
}

static void test_ia32e(void **state)
{
	struct guest_paging p = { .cr0 = CR0_PE | CR0_PG, .cr3 = 0x1000, .cr4 = CR4_PAE,
				  .efer = EFER_LME | EFER_LMA };
	const uint64_t high = 0xFFFF800000000000ULL;   /* PML4 index 256 */
	uint64_t gpa = 0;

	/* Low half: PML4[0] -> PDPT 0x2000; PDPT[0] -> PD 0x3000; PD[0] a
	 * 2 MiB page at 0; PD[1] -> PT 0x4000 with PTE 2 -> 0xA000; PDPT[1]
	 * a 1 GiB page at 8 GiB. High half: PML4[256] -> the same PDPT. */
	put64(0x1000, 0x2000 | 3);
	put64(0x1000 + 256 * 8, 0x2000 | 3);
	put64(0x2000, 0x3000 | 3);
	put64(0x2008, 0x200000000ULL | 0x83);
	put64(0x3000, 0x0 | 0x83);
	put64(0x3008, 0x4000 | 3);
	put64(0x4000 + 2 * 8, 0xA000 | 3 | (1ULL << 63));   /* XD is not an address bit */
	assert_int_equal(walk(&p, 0x7C00, &gpa), 0);
	assert_int_equal(gpa, 0x7C00);
	assert_int_equal(walk(&p, 0x202ABC, &gpa), 0);
	assert_int_equal(gpa, 0xAABC);
	assert_int_equal(walk(&p, 0x40000000 + 0x123456, &gpa), 0);
	assert_int_equal(gpa, 0x200123456ULL);
	assert_int_equal(walk(&p, high + 0x7C00, &gpa), 0);
	assert_int_equal(gpa, 0x7C00);
	assert_int_equal(walk(&p, 0x203000, &gpa), -EFAULT);      /* PTE 3 not present */
	assert_int_equal(walk(&p, 1ULL << 39, &gpa), -EFAULT);    /* PML4[1] not present */
	/* A table pointer outside guest memory: the read's error. */
	put64(0x1000 + 8 * 8, 0x80000000ULL | 3);
	assert_int_equal(walk(&p, 8ULL << 39, &gpa), -EFAULT);
	assert_int_equal(guest_walk(&p, 0x7C00, failing_read, NULL, &gpa), -EIO);
	/* PS is reserved in a PML4E. */
	put64(0x1000 + 9 * 8, 0x2000 | 0x83);
	assert_int_equal(walk(&p, 9ULL << 39, &gpa), -EFAULT);
}

#define CR4_LA57 (1u << 12)

static void test_la57(void **state)
{
	struct guest_paging p = { .cr0 = CR0_PE | CR0_PG, .cr3 = 0x5000,
				  .cr4 = CR4_PAE | CR4_LA57, .efer = EFER_LME | EFER_LMA };
	/* PML5 index 0x1FF, PML4 index 0x100: the top of the 57-bit space. */
	const uint64_t high = 0xFFFF000000000000ULL | (0x100ULL << 39);
	uint64_t gpa = 0;

	/* PML5[0] -> PML4 0x1000; PML5[0x1FF] -> PML4 0x6000. PML4[0] and
	 * PML4[0x100] of 0x6000 -> PDPT 0x2000; PDPT[0] -> PD 0x3000 with a
	 * 2 MiB page at 0 and PD[1] -> PT 0x4000 (PTE 2 -> 0xA000). */
	put64(0x5000, 0x1000 | 3);
	put64(0x5000 + 0x1FF * 8, 0x6000 | 3);
	put64(0x1000, 0x2000 | 3);
	put64(0x6000 + 0x100 * 8, 0x2000 | 3);
	put64(0x2000, 0x3000 | 3);
	put64(0x3000, 0x0 | 0x83);
	put64(0x3008, 0x4000 | 3);
	put64(0x4000 + 2 * 8, 0xA000 | 3);
	reads = 0;
	assert_int_equal(walk(&p, 0x202ABC, &gpa), 0);
	assert_int_equal(gpa, 0xAABC);
	assert_int_equal(reads, 5);                /* PML5, PML4, PDPT, PD, PT */
	assert_int_equal(walk(&p, 0x7C00, &gpa), 0);
	assert_int_equal(gpa, 0x7C00);
	assert_int_equal(walk(&p, high + 0x7C00, &gpa), 0);
	assert_int_equal(gpa, 0x7C00);
	/* Bits 56:48 select the PML5 entry: PML5[1] is not present. */
	assert_int_equal(walk(&p, 1ULL << 48, &gpa), -EFAULT);
	/* The same address under 4-level paging starts at CR3 = the PML5
	 * read as a PML4: PML4[0] -> 0x1000 read as a PDPT -> 0x2000 read as
	 * a PD whose entry 0 points to 0x3000 as a PT: a different result,
	 * so the level count matters. */
	p.cr4 = CR4_PAE;
	assert_int_equal(walk(&p, 0x202ABC, &gpa), -EFAULT);
	/* PS is reserved in a PML5E. */
	p.cr4 = CR4_PAE | CR4_LA57;
	put64(0x5000 + 2 * 8, 0x1000 | 0x83);
	assert_int_equal(walk(&p, 2ULL << 48, &gpa), -EFAULT);
	/* Outside IA-32e mode CR4.LA57 does not change PAE paging. */
	p = (struct guest_paging){ .cr0 = CR0_PE | CR0_PG, .cr3 = 0x1020, .cr4 = CR4_PAE | CR4_LA57 };
	put64(0x1020, 0x7000 | 1);
	put64(0x7000, 0x400000 | 0x83);
	assert_int_equal(walk(&p, 0x1234, &gpa), 0);
	assert_int_equal(gpa, 0x401234);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_paging_off, reset),
		cmocka_unit_test_setup(test_32bit, reset),
		cmocka_unit_test_setup(test_pae, reset),
		cmocka_unit_test_setup(test_ia32e, reset),
		cmocka_unit_test_setup(test_la57, reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
