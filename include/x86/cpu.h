/* cpu.h - thin inline wrappers for x86 instructions used across arch/x86
 * and drivers/. Nothing here knows about VMX or SVM. */
#ifndef X86_CPU_H
#define X86_CPU_H

#include <plinth/compiler.h>

#define CR0_PE  BIT(0)
#define CR0_MP  BIT(1)
#define CR0_EM  BIT(2)
#define CR0_TS  BIT(3)
#define CR0_ET  BIT(4)
#define CR0_NE  BIT(5)
#define CR0_WP  BIT(16)
#define CR0_AM  BIT(18)
#define CR0_NW  BIT(29)
#define CR0_CD  BIT(30)
#define CR0_PG  BIT(31)

#define CR4_VME        BIT(0)
#define CR4_PVI        BIT(1)
#define CR4_TSD        BIT(2)
#define CR4_DE         BIT(3)
#define CR4_PSE        BIT(4)
#define CR4_PAE        BIT(5)
#define CR4_MCE        BIT(6)
#define CR4_PGE        BIT(7)
#define CR4_PCE        BIT(8)
#define CR4_OSFXSR     BIT(9)
#define CR4_OSXMMEXCPT BIT(10)
#define CR4_UMIP       BIT(11)
#define CR4_VMXE       BIT(13)
#define CR4_SMXE       BIT(14)
#define CR4_FSGSBASE   BIT(16)
#define CR4_PCIDE      BIT(17)
#define CR4_OSXSAVE    BIT(18)
#define CR4_SMEP       BIT(20)
#define CR4_SMAP       BIT(21)

#define RFLAGS_CF  BIT(0)
#define RFLAGS_IF  BIT(9)
#define RFLAGS_AC  BIT(18)

#define MSR_IA32_APIC_BASE        0x1B
#define MSR_IA32_FEATURE_CONTROL  0x3A
#define MSR_IA32_TSC_DEADLINE     0x6E0
#define MSR_IA32_PAT              0x277
#define MSR_EFER                  0xC0000080
#define MSR_STAR                  0xC0000081
#define MSR_LSTAR                 0xC0000082
#define MSR_CSTAR                 0xC0000083
#define MSR_SFMASK                0xC0000084
#define MSR_FS_BASE               0xC0000100
#define MSR_GS_BASE               0xC0000101
#define MSR_KERNEL_GS_BASE        0xC0000102
#define MSR_TSC_AUX               0xC0000103
#define EFER_SCE   BIT(0)
#define EFER_LME   BIT(8)
#define EFER_LMA   BIT(10)
#define EFER_NXE   BIT(11)
#define EFER_SVME  BIT(12)

static inline void cpuid_count(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b,
			       uint32_t *c, uint32_t *d)
{
	__asm__ __volatile__("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
			     : "a"(leaf), "c"(sub));
}
static inline void cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
	cpuid_count(leaf, 0, a, b, c, d);
}
/* MAXPHYADDR, the width of physical addresses: CPUID 80000008H EAX[7:0]
 * (SDM vol. 2A CPUID); 36 where that leaf is missing (SDM vol. 3 §4.1.4). */
static inline unsigned cpuid_phys_addr_bits(void)
{
	uint32_t a, b, c, d;

	cpuid_count(0x80000000, 0, &a, &b, &c, &d);
	if (a < 0x80000008)
		return 36;
	cpuid_count(0x80000008, 0, &a, &b, &c, &d);
	return a & 0xFF;
}
static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}
static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ __volatile__("wrmsr" :: "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}
#define DEFINE_CR(n) \
	static inline uint64_t read_cr##n(void) { uint64_t v; __asm__ __volatile__("mov %%cr" #n ", %0" : "=r"(v)); return v; } \
	static inline void write_cr##n(uint64_t v) { __asm__ __volatile__("mov %0, %%cr" #n :: "r"(v) : "memory"); }
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)
#undef DEFINE_CR

static inline uint64_t read_rflags(void)
{
	uint64_t f;
	__asm__ __volatile__("pushfq; popq %0" : "=r"(f));
	return f;
}
static inline void outb(uint16_t port, uint8_t v) { __asm__ __volatile__("outb %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { __asm__ __volatile__("outw %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ __volatile__("outl %0, %1" :: "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) { uint8_t v; __asm__ __volatile__("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint16_t inw(uint16_t port) { uint16_t v; __asm__ __volatile__("inw %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint32_t inl(uint16_t port) { uint32_t v; __asm__ __volatile__("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline void io_delay(void) { outb(0x80, 0); }

static inline void cpu_relax(void) { __asm__ __volatile__("pause" ::: "memory"); }
static inline void irq_disable(void) { __asm__ __volatile__("cli" ::: "memory"); }
static inline void irq_enable(void) { __asm__ __volatile__("sti" ::: "memory"); }
static inline void halt(void) { __asm__ __volatile__("hlt" ::: "memory"); }
static inline void invlpg(const void *va) { __asm__ __volatile__("invlpg (%0)" :: "r"(va) : "memory"); }

/* Save IF and disable interrupts; restore with irq_restore(). */
static inline uint64_t irq_save(void) { uint64_t f = read_rflags(); irq_disable(); return f; }
static inline void irq_restore(uint64_t f) { if (f & RFLAGS_IF) irq_enable(); }

#endif
