/* cpuid.c - test guest: what plinth's CPUID, hypercall, port-I/O and boot
 * paths show a 32-bit Multiboot guest. Exits with the number of failures. */
#include "guest.h"

#define MB1_LOADER_MAGIC 0x2BADB002u

struct mb1_info {               /* Multiboot 0.6.96 §3.3, the part used here */
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline;
};

/* The RAM this guest expects, in MiB: "mem=N" on its command line (the
 * vms.cfg tests give it with memory=NM), else plinth's default 32 MiB. */
static uint32_t expected_mem_mib(const struct mb1_info *mbi)
{
	const char *p = (mbi->flags & 4) ? (const char *)mbi->cmdline : "";
	uint32_t mib = 0;

	for (; *p; p++) {
		if ((p[0] == 'm' && p[1] == 'e' && p[2] == 'm' && p[3] == '=') &&
		    (p == (const char *)mbi->cmdline || p[-1] == ' ')) {
			for (p += 4; *p >= '0' && *p <= '9'; p++)
				mib = mib * 10 + (uint32_t)(*p - '0');
			return mib;
		}
	}
	return 32;
}

/* VMCALL with the plinth hypercall ABI: number in EAX, result in EAX. */
static uint32_t hypercall(uint32_t nr)
{
	uint32_t ret;
	__asm__ __volatile__("vmcall" : "=a"(ret) : "a"(nr), "b"(0), "c"(0), "d"(0), "S"(0) : "memory");
	return ret;
}

uint32_t guest_main(uint32_t magic, uint32_t info)
{
	const struct mb1_info *mbi = (const struct mb1_info *)info;
	uint32_t r[4];
	char sig[13];

	guest_puts("cpuid guest: checking the virtual CPU\n");
	guest_check(magic == MB1_LOADER_MAGIC, "multiboot magic in EAX", magic);
	guest_check((mbi->flags & 1) && mbi->mem_lower == 640, "multiboot mem_lower", mbi->mem_lower);
	guest_check(mbi->flags & 4, "multiboot command line present", mbi->flags);
	/* mem_upper counts the KiB above 1 MiB. */
	guest_check(mbi->mem_upper == (expected_mem_mib(mbi) - 1) * 1024, "multiboot mem_upper",
		    mbi->mem_upper);

	cpuid(0, 0, r);
	guest_check(r[0] >= 1, "basic leaves passed through", r[0]);
	cpuid(1, 0, r);
	guest_check(r[2] & (1u << 31), "hypervisor bit set", r[2]);
	guest_check(!(r[2] & (1u << 5)), "VMX hidden", r[2]);
	guest_check(!(r[2] & (1u << 3)), "MONITOR hidden", r[2]);
	guest_check((r[1] >> 24) == 0, "initial APIC ID 0", r[1]);

	cpuid(0x40000000, 0, r);
	for (int i = 0; i < 4; i++) {
		sig[i] = (char)(r[1] >> (8 * i));
		sig[4 + i] = (char)(r[2] >> (8 * i));
		sig[8 + i] = (char)(r[3] >> (8 * i));
	}
	sig[12] = 0;
	guest_puts("hypervisor signature: ");
	guest_puts(sig);
	guest_puts("\n");
	bool sig_ok = true;
	for (int i = 0; i < 12; i++)
		sig_ok &= sig[i] == "plinthplinth"[i];
	guest_check(sig_ok, "hypervisor signature plinthplinth", r[1]);
	guest_check(r[0] >= 0x40000000u && r[0] < 0x40010000u, "hypervisor max leaf", r[0]);

	guest_check(hypercall(0) == 2, "hypercall 0 returns ABI version 2", hypercall(0));   /* PLINTH_HC_ABI */
	guest_check(hypercall(0x1234) == (uint32_t)-38, "unknown hypercall returns -ENOSYS",
		    hypercall(0x1234));

	guest_check(inb(0x2E8) == 0xFF, "unassigned port reads all ones", inb(0x2E8));
	guest_check(inl(0x2E8) == 0xFFFFFFFFu, "unassigned port reads all ones (32-bit)", inl(0x2E8));
	guest_check((inb(0x3F8 + 5) & 0x60) == 0x60, "UART transmitter empty", inb(0x3F8 + 5));
	outb(0x3F8 + 7, 0x5A);
	guest_check(inb(0x3F8 + 7) == 0x5A, "UART scratch register", inb(0x3F8 + 7));

	return guest_summary();
}
