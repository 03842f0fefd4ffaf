/* trap_format.c - the text of exception reports: names of the vectors,
 * decoded error codes, the register dump. Pure (no hardware access), so the
 * exact output is unit-tested on the host; traps.c and panic.c print it. */
#include <plinth/printf.h>
#include <plinth/string.h>
#include <x86/traps.h>

/* Intel SDM vol. 3 §7.15 (Table 7-1); 28-30 from AMD APM vol. 2 §8.2. */
static const struct {
	const char *mnemonic;
	const char *name;
} exceptions[NUM_EXCEPTION_VECTORS] = {
	[VEC_DE] = { "#DE", "divide error" },
	[VEC_DB] = { "#DB", "debug" },
	[VEC_NMI] = { "NMI", "non-maskable interrupt" },
	[VEC_BP] = { "#BP", "breakpoint" },
	[VEC_OF] = { "#OF", "overflow" },
	[VEC_BR] = { "#BR", "BOUND range exceeded" },
	[VEC_UD] = { "#UD", "invalid opcode" },
	[VEC_NM] = { "#NM", "device not available" },
	[VEC_DF] = { "#DF", "double fault" },
	[9] = { "#CSO", "coprocessor segment overrun" },
	[VEC_TS] = { "#TS", "invalid TSS" },
	[VEC_NP] = { "#NP", "segment not present" },
	[VEC_SS] = { "#SS", "stack-segment fault" },
	[VEC_GP] = { "#GP", "general protection" },
	[VEC_PF] = { "#PF", "page fault" },
	[VEC_MF] = { "#MF", "x87 floating-point error" },
	[VEC_AC] = { "#AC", "alignment check" },
	[VEC_MC] = { "#MC", "machine check" },
	[VEC_XM] = { "#XM", "SIMD floating-point exception" },
	[VEC_VE] = { "#VE", "virtualization exception" },
	[VEC_CP] = { "#CP", "control protection" },
	[VEC_HV] = { "#HV", "hypervisor injection" },
	[VEC_VC] = { "#VC", "VMM communication" },
	[VEC_SX] = { "#SX", "security exception" },
};

const char *exception_mnemonic(unsigned vector)
{
	if (vector >= NUM_EXCEPTION_VECTORS)
		return "IRQ";
	return exceptions[vector].mnemonic ? exceptions[vector].mnemonic : "#RES";
}

const char *exception_name(unsigned vector)
{
	if (vector >= NUM_EXCEPTION_VECTORS)
		return "interrupt";
	return exceptions[vector].name ? exceptions[vector].name : "reserved";
}

/* Appending writer: keeps buf NUL-terminated and counts what fit. */
struct sbuf {
	char *buf;
	size_t size;
	size_t len;
};

static void sb_printf(struct sbuf *sb, const char *fmt, ...) __printf(2, 3);
static void sb_printf(struct sbuf *sb, const char *fmt, ...)
{
	if (sb->len + 1 >= sb->size)
		return;
	va_list ap;
	va_start(ap, fmt);
	int w = kvsnprintf(sb->buf + sb->len, sb->size - sb->len, fmt, ap);
	va_end(ap);
	if (w > 0)
		sb->len += MIN((size_t)w, sb->size - sb->len - 1);
}

static struct sbuf sb_start(char *buf, size_t size)
{
	struct sbuf sb = { buf, size, 0 };
	if (size)
		buf[0] = 0;
	return sb;
}

/* Page-fault error code bits (Intel SDM vol. 3 §4.7, Figure 4-12). */
#define PF_P     BIT(0)    /* 0: not present, 1: protection violation */
#define PF_W     BIT(1)    /* write access */
#define PF_U     BIT(2)    /* user-mode access */
#define PF_RSVD  BIT(3)    /* reserved bit set in a paging structure */
#define PF_I     BIT(4)    /* instruction fetch */
#define PF_PK    BIT(5)    /* protection key */
#define PF_SS    BIT(6)    /* shadow-stack access */
#define PF_HLAT  BIT(7)    /* HLAT paging */
#define PF_SGX   BIT(15)   /* SGX access-control violation */
#define PF_KNOWN (PF_P | PF_W | PF_U | PF_RSVD | PF_I | PF_PK | PF_SS | PF_HLAT | PF_SGX)

size_t format_pf_error(char *buf, size_t size, uint64_t err)
{
	struct sbuf sb = sb_start(buf, size);
	sb_printf(&sb, "%s %s %s %s", (err & PF_P) ? "protection-violation" : "not-present",
		  (err & PF_W) ? "write" : "read", (err & PF_U) ? "user" : "supervisor",
		  (err & PF_I) ? "instruction-fetch" : "data-access");
	if (err & PF_RSVD)
		sb_printf(&sb, " reserved-bit-set");
	if (err & PF_PK)
		sb_printf(&sb, " protection-key");
	if (err & PF_SS)
		sb_printf(&sb, " shadow-stack");
	if (err & PF_HLAT)
		sb_printf(&sb, " hlat");
	if (err & PF_SGX)
		sb_printf(&sb, " sgx");
	if (err & ~PF_KNOWN)
		sb_printf(&sb, " unknown-bits 0x%llx", (unsigned long long)(err & ~PF_KNOWN));
	return sb.len;
}

/* Selector error code (Intel SDM vol. 3 §7.13, Figure 7-6): EXT (bit 0),
 * IDT (bit 1), TI (bit 2), segment selector index (bits 15:3). */
size_t format_selector_error(char *buf, size_t size, uint64_t err)
{
	struct sbuf sb = sb_start(buf, size);
	if ((err & 0xFFFF) == 0) {
		sb_printf(&sb, "no selector");
		return sb.len;
	}
	uint64_t index = (err >> 3) & 0x1FFF;
	if (err & BIT(1))
		sb_printf(&sb, "IDT vector 0x%llx", (unsigned long long)index);
	else
		sb_printf(&sb, "%s selector 0x%llx", (err & BIT(2)) ? "LDT" : "GDT",
			  (unsigned long long)(index << 3));
	if (err & BIT(0))
		sb_printf(&sb, " (external event)");
	return sb.len;
}

size_t format_regs(char *buf, size_t size, const struct irq_frame *f)
{
	struct sbuf sb = sb_start(buf, size);
	sb_printf(&sb, "RIP: %04llx:%016llx  RFLAGS: %016llx\n", (unsigned long long)f->cs,
		  (unsigned long long)f->rip, (unsigned long long)f->rflags);
	sb_printf(&sb, "RSP: %04llx:%016llx\n", (unsigned long long)f->ss,
		  (unsigned long long)f->rsp);
	const struct { const char *name; uint64_t value; } regs[] = {
		{ "RAX", f->rax }, { "RBX", f->rbx }, { "RCX", f->rcx },
		{ "RDX", f->rdx }, { "RSI", f->rsi }, { "RDI", f->rdi },
		{ "RBP", f->rbp }, { "R8 ", f->r8 }, { "R9 ", f->r9 },
		{ "R10", f->r10 }, { "R11", f->r11 }, { "R12", f->r12 },
		{ "R13", f->r13 }, { "R14", f->r14 }, { "R15", f->r15 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(regs); i++)
		sb_printf(&sb, "%s: %016llx%s", regs[i].name, (unsigned long long)regs[i].value,
			  i % 3 == 2 ? "\n" : "  ");
	return sb.len;
}

size_t format_exception_headline(char *buf, size_t size, const struct irq_frame *f,
				 unsigned cpu, const char *sym, uint64_t sym_off)
{
	struct sbuf sb = sb_start(buf, size);
	unsigned vector = (unsigned)f->vector;
	sb_printf(&sb, "EXCEPTION %s (vector %u, %s)", exception_mnemonic(vector), vector,
		  exception_name(vector));
	if (exception_has_error_code(vector))
		sb_printf(&sb, " error 0x%llx", (unsigned long long)f->error_code);
	sb_printf(&sb, " on CPU %u at RIP %016llx", cpu, (unsigned long long)f->rip);
	if (sym)
		sb_printf(&sb, " %s+0x%llx", sym, (unsigned long long)sym_off);
	return sb.len;
}
